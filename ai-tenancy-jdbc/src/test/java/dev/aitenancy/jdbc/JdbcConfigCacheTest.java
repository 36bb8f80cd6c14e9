package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link AiTenancyJdbc#withConfigCache}: a store's own changes apply at once, changes made by
 * another store (another instance) within the cache's lifetime; limits stay exact throughout.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcConfigCacheTest {

    static final OrgId ACME = OrgId.of("acme");
    static final Duration TTL = Duration.ofSeconds(5);

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    // the middle of a minute, so no rate window ends within the test's five seconds
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:20Z"));
    private AiTenancyJdbc here;
    private AiTenancyJdbc elsewhere;

    private void open() {
        DataSource ds = databases.open(database);
        here = AiTenancyJdbc.create(ds, clock, true).withConfigCache(TTL);
        elsewhere = AiTenancyJdbc.create(ds, clock, false);
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @Test
    void rateLimitPoliciesChangedElsewhereApplyWithinTheLifetimeOwnChangesAtOnce() {
        open();
        JdbcRateLimiter limiter = here.rateLimiter(new RateLimitPolicy(100, 0, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1)); // reads and keeps the default policy

        elsewhere.rateLimiter(RateLimitPolicy.DEFAULT).setPolicy(ACME, new RateLimitPolicy(2, 0, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1));
        clock.advance(TTL);
        RateLimitedException expired = catchThrowableOfType(RateLimitedException.class,
                () -> limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1)));
        limiter.setPolicy(ACME, new RateLimitPolicy(4, 0, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1));

        assertThat(expired.limit()).as("3 counted, the policy of 2 read again").isEqualTo("user alice: 2 requests/minute");
    }

    @Test
    void budgetsSetElsewhereApplyWithinTheLifetimeOwnChangesAtOnce() {
        open();
        JdbcBudgetLedger ledger = here.budgetLedger(BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100")));
        ledger.reserve(ACME, Caller.user("bob"), null, new BigDecimal("1")).settle(new BigDecimal("1"));

        elsewhere.budgetLedger(BudgetAlertListener.NONE).setBudget(Budget.hard(ACME, Budget.Scope.USER, "bob",
                Budget.Period.DAILY, new BigDecimal("1.5")));
        ledger.reserve(ACME, Caller.user("bob"), null, new BigDecimal("2")).settle(new BigDecimal("0"));
        clock.advance(TTL);
        BudgetExceededException expired = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, Caller.user("bob"), null, new BigDecimal("2")));
        ledger.removeBudget(ACME, Budget.Scope.USER, "bob", Budget.Period.DAILY);
        ledger.reserve(ACME, Caller.user("bob"), null, new BigDecimal("2")).settle(new BigDecimal("0"));

        assertThat(expired.getMessage()).contains("user bob daily budget of 1.5 USD");
    }

    @Test
    void featureFlagsTextSettingsAndGuardrailsFollowTheSameRule() {
        open();
        JdbcFeatureFlags flags = here.featureFlags();
        JdbcUsageTextSettings text = here.usageTextSettings();
        GuardrailStore guardrails = here.guardrailStore();
        assertThat(flags.isEnabled(ACME, "drafts")).isTrue();
        assertThat(text.storesText(ACME)).isTrue();
        assertThat(guardrails.guardrails(ACME)).isEmpty();

        elsewhere.featureFlags().set(ACME, "drafts", false);
        elsewhere.usageTextSettings().setStoresText(ACME, false);
        Guardrail rule = elsewhere.guardrailStore().save(Guardrail.forOrg(ACME, "slow",
                new GuardrailRule.RateLimit(1), GuardrailAction.BLOCK));
        boolean flagWithin = flags.isEnabled(ACME, "drafts");
        boolean textWithin = text.storesText(ACME);
        int rulesWithin = guardrails.guardrails(ACME).size();
        clock.advance(TTL);

        assertThat(flagWithin).isTrue();
        assertThat(textWithin).isTrue();
        assertThat(rulesWithin).isZero();
        assertThat(flags.isEnabled(ACME, "drafts")).isFalse();
        assertThat(text.storesText(ACME)).isFalse();
        assertThat(guardrails.guardrails(ACME)).containsExactly(rule);
        flags.set(ACME, "drafts", true);
        text.setStoresText(ACME, true);
        guardrails.delete(ACME, rule.id());
        assertThat(flags.isEnabled(ACME, "drafts")).as("own change at once").isTrue();
        assertThat(text.storesText(ACME)).isTrue();
        assertThat(guardrails.guardrails(ACME)).isEmpty();
    }
}
