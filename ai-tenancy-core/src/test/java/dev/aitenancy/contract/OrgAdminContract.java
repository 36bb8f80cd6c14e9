package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.Cost;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.admin.AuditFailedException;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageTextSettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What {@link OrgAdmin} must do over any implementation of its parts: make each change, record it
 * with who made it and when, record nothing for a refused change, and never hide a failed audit write.
 */
public abstract class OrgAdminContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    protected static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    protected static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");

    /** The parts an OrgAdmin changes, of one implementation, over the built-in model registry. */
    public record Parts(ModelAdmin models, BudgetStore budgets, UsageLog usage, FeatureFlagStore features,
            TemplateStore templates, UsageTextSettings usageText, GuardrailStore guardrails, RateLimitAdmin rateLimits,
            AuditSink audit) {
    }

    protected abstract Parts newParts(MutableClock clock);

    /** An audit sink of this implementation whose store is unavailable. */
    protected abstract AuditSink unavailableAudit(MutableClock clock);

    private static OrgAdmin admin(Parts p, MutableClock clock) {
        return OrgAdmin.builder().audit(p.audit()).models(p.models()).budgets(p.budgets()).usage(p.usage())
                .features(p.features()).templates(p.templates()).usageText(p.usageText()).guardrails(p.guardrails())
                .rateLimits(p.rateLimits()).clock(clock).build();
    }

    private static String line(AuditEvent e) {
        return e.actor() + " " + e.action() + " " + e.target() + " " + e.detail();
    }

    @Test
    void everyChangeIsMadeAndAuditedWithWhoMadeItAndWhen() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);

        admin.allowModel(ACME, MINI, 2000, "Mini", "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.allowModel(ACME, NANO, null, null, "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setDefaultModel(ACME, MINI, "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setDefaultProvider(ACME, ProviderId.OPENAI, "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setFeaturePreference(ACME, "support-reply", NANO, 300, "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.setFallbacks(ACME, List.of(NANO), "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.denyModel(ACME, NANO, "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.undenyModel(ACME, NANO, "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.setOrgTiers(ACME, Set.of("standard", "basic"), "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setGroupTiers(ACME, "interns", Set.of("basic"), "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setUserTiers(ACME, "carl", null, "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setBudget(Budget.hard(ACME, Budget.Scope.USER, "alice", Budget.Period.MONTHLY, new BigDecimal("20.00")),
                "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setFeature(ACME, "support-reply", false, "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.saveTemplate(ACME, "reply", "Answer {{ticket}}", "bo");
        admin.saveTemplate(ACME, "reply", "Answer {{ticket}} briefly", "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.setStoresUsageText(ACME, false, "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.removeModel(ACME, NANO, "ada");

        assertThat(admin.models(ACME)).extracting(m -> m.ref()).containsExactly(MINI);
        assertThat(admin.budgets(ACME)).singleElement().satisfies(b -> assertThat(b.limitUsd()).isEqualByComparingTo("20"));
        assertThat(admin.features(ACME)).containsEntry("support-reply", false);
        assertThat(admin.templateVersions(ACME, "reply")).hasSize(2);
        assertThat(admin.storesUsageText(ACME)).isFalse();
        assertThat(p.usageText().storesText(GLOBEX)).isTrue();
        List<AuditEvent> log = admin.auditLog(AuditQuery.of(ACME)).events();
        assertThat(log).extracting(OrgAdminContract::line).containsExactly(
                "ada model.remove openai/gpt-4.1-nano null",
                "ada usage.text-storage null off",
                "bo template.save reply version 2",
                "bo template.save reply version 1",
                "bo feature.disable support-reply null",
                "ada budget.set user alice monthly 20 USD, hard, alert at 0.8, UTC",
                "ada tier.user carl narrowing removed",
                "ada tier.group interns basic",
                "ada tier.org null basic,standard",
                "bo model.undeny openai/gpt-4.1-nano null",
                "bo model.deny openai/gpt-4.1-nano null",
                "bo model.fallbacks null openai/gpt-4.1-nano",
                "bo model.feature-preference support-reply openai/gpt-4.1-nano; max output tokens 300",
                "ada model.set-default-provider openai null",
                "ada model.set-default openai/gpt-4.1-mini null",
                "ada model.allow openai/gpt-4.1-nano max output tokens of the model",
                "ada model.allow openai/gpt-4.1-mini max output tokens 2000; label Mini");
        assertThat(log.get(0).at()).isEqualTo(T0.plusSeconds(15));
        assertThat(log.get(log.size() - 1).at()).isEqualTo(T0);
        assertThat(log).allMatch(e -> e.org().equals(ACME));
        assertThat(admin.auditLog(AuditQuery.of(ACME).withActor("bo").withAction("model.*")).events()).hasSize(4);
        assertThat(admin.auditLog(AuditQuery.of(GLOBEX)).events()).isEmpty();
    }

    @Test
    void aRefusedChangeIsNotAudited() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);
        admin.allowModel(ACME, MINI, null, null, "ada");
        admin.setDefaultModel(ACME, MINI, "ada");

        ConfigurationException defaultRemoved = catchThrowableOfType(ConfigurationException.class,
                () -> admin.removeModel(ACME, MINI, "ada"));
        ConfigurationException unknownTier = catchThrowableOfType(ConfigurationException.class,
                () -> admin.setOrgTiers(ACME, Set.of("platinum"), "ada"));
        InvalidRequestException noActor = catchThrowableOfType(InvalidRequestException.class,
                () -> admin.setFeature(ACME, "support-reply", false, " "));

        assertThat(defaultRemoved.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(unknownTier.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(noActor.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(noActor.getMessage()).contains("actor");
        assertThat(p.features().isEnabled(ACME, "support-reply")).as("nothing changed without an actor").isTrue();
        assertThat(admin.models(ACME)).hasSize(1);
        assertThat(admin.auditLog(AuditQuery.of(ACME)).events()).extracting(AuditEvent::action)
                .containsExactly("model.set-default", "model.allow");
    }

    @Test
    void aPurgeIsAuditedWithHowManyRecordsItRemoved() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);
        for (int i = 0; i < 3; i++) {
            Instant at = T0.minus(Duration.ofDays(70 - 10L * i));
            p.usage().finished(UsageRecord.builder(UUID.randomUUID(), ACME.value(), at).userId("alice")
                    .provider("openai").model("gpt-4.1-mini").correlationId("c" + i).build()
                    .finish(UsageStatus.OK, TokenUsage.of(1, 1), Cost.unpriced(), null, null, null, at.plusSeconds(1)));
        }
        Instant before = T0.minus(Duration.ofDays(55));

        long removed = admin.purgeUsage(ACME, before, "ada");

        assertThat(removed).isEqualTo(2);
        assertThat(p.usage().totals(UsageQuery.of(ACME)).requests()).isEqualTo(1);
        assertThat(admin.auditLog(AuditQuery.of(ACME).withAction("usage.purge")).events())
                .extracting(OrgAdminContract::line)
                .containsExactly("ada usage.purge null removed 2 records started before 2026-09-30T10:00:00Z");
        assertThat(admin.pricingReport(ACME, T0.minus(Duration.ofDays(60)), T0, ZoneId.of("UTC")).total().requests())
                .isEqualTo(1);
    }

    @Test
    void aFailedAuditWriteIsNeverSilentAndTheChangeStands() throws Exception {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = OrgAdmin.builder().audit(unavailableAudit(clock)).features(p.features()).clock(clock).build();

        AuditFailedException[] thrown = new AuditFailedException[1];
        String log = dev.aitenancy.testing.LogCapture.quietly(() -> thrown[0] = catchThrowableOfType(
                AuditFailedException.class, () -> admin.setFeature(ACME, "support-reply", false, "ada")));
        AuditFailedException e = thrown[0];
        assertThat(log).contains("could not be audited");

        assertThat(e.event().action()).isEqualTo("feature.disable");
        assertThat(e.event().actor()).isEqualTo("ada");
        assertThat(e.getMessage()).contains("feature.disable of support-reply by ada in org acme was made");
        assertThat(p.features().isEnabled(ACME, "support-reply")).isFalse();
    }

    @Test
    void aMissingPartIsAClearConfigurationError() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = OrgAdmin.builder().audit(p.audit()).clock(clock).build();

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> admin.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.DAILY, BigDecimal.ONE),
                        "ada"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(e.getMessage()).contains("OrgAdmin.builder().budgets(");
        assertThat(catchThrowableOfType(ConfigurationException.class, () -> OrgAdmin.builder().build()).getMessage())
                .contains("OrgAdmin.builder().audit(");
        assertThat(admin.auditLog(AuditQuery.of(ACME)).events()).isEmpty();
    }

    @Test
    void guardrailChangesAreAuditedAndNothingIsRecordedForARuleThatIsNotThere() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);

        Guardrail interns = admin.saveGuardrail(Guardrail.forGroup(ACME, "interns", "short answers",
                new GuardrailRule.TokenLimit(null, 300), GuardrailAction.MODIFY), "ada");
        Guardrail salaries = admin.saveGuardrail(Guardrail.forOrg(ACME, "no salaries",
                GuardrailRule.ContentFilter.input(List.of("salary"), List.of()), GuardrailAction.BLOCK), "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.saveGuardrail(salaries.withEnabled(false), "bo");
        clock.advance(Duration.ofSeconds(1));
        boolean deleted = admin.deleteGuardrail(ACME, salaries.id(), "bo");
        boolean deletedAgain = admin.deleteGuardrail(ACME, salaries.id(), "bo");
        boolean deletedElsewhere = admin.deleteGuardrail(GLOBEX, interns.id(), "eve");
        InvalidRequestException global = catchThrowableOfType(InvalidRequestException.class,
                () -> admin.saveGuardrail(Guardrail.global("everyone", new GuardrailRule.TokenLimit(null, 100),
                        GuardrailAction.MODIFY), "ada"));

        assertThat(deleted).isTrue();
        assertThat(deletedAgain).isFalse();
        assertThat(deletedElsewhere).as("another org's rule is not there for globex").isFalse();
        assertThat(global.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(admin.guardrails(ACME)).extracting(Guardrail::name).containsExactly("short answers");
        assertThat(admin.auditLog(AuditQuery.of(ACME).withAction("guardrail.*")).events())
                .extracting(OrgAdminContract::line).containsExactly(
                        "bo guardrail.delete " + salaries.id() + " org 'no salaries': content-filter block (disabled)",
                        "bo guardrail.update " + salaries.id() + " org 'no salaries': content-filter block (disabled)",
                        "ada guardrail.add " + salaries.id() + " org 'no salaries': content-filter block",
                        "ada guardrail.add " + interns.id() + " group interns 'short answers': token-limit modify");
        assertThat(admin.auditLog(AuditQuery.of(GLOBEX)).events()).isEmpty();
    }

    @Test
    void removingABudgetIsAuditedAndRemovingOneThatIsNotThereRecordsNothing() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);
        admin.setBudget(Budget.hard(ACME, Budget.Scope.USER, "alice", Budget.Period.MONTHLY, new BigDecimal("20")), "ada");
        admin.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.DAILY, new BigDecimal("5")), "ada");
        clock.advance(Duration.ofSeconds(1));

        boolean removed = admin.removeBudget(ACME, Budget.Scope.USER, "alice", Budget.Period.MONTHLY, "bo");
        boolean again = admin.removeBudget(ACME, Budget.Scope.USER, "alice", Budget.Period.MONTHLY, "bo");
        boolean otherOrg = admin.removeBudget(GLOBEX, Budget.Scope.ORG, null, Budget.Period.DAILY, "bo");

        assertThat(removed).isTrue();
        assertThat(again).isFalse();
        assertThat(otherOrg).isFalse();
        assertThat(admin.budgets(ACME)).singleElement().satisfies(b -> assertThat(b.scope()).isEqualTo(Budget.Scope.ORG));
        assertThat(admin.auditLog(AuditQuery.of(ACME).withAction("budget.*")).events())
                .extracting(OrgAdminContract::line).first().isEqualTo("bo budget.remove user alice monthly null");
        assertThat(admin.auditLog(AuditQuery.of(ACME).withAction("budget.remove")).events()).hasSize(1);
    }

    @Test
    void allowingUnpricedModelsUnderABudgetIsAuditedAndCanBeTakenBack() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);
        Budget monthly = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100"));

        admin.setBudget(monthly.withAllowUnpriced(true), "ada");
        boolean allowed = admin.budgets(ACME).get(0).allowUnpriced();
        clock.advance(Duration.ofSeconds(1));
        admin.setBudget(monthly, "bo");

        assertThat(allowed).isTrue();
        assertThat(admin.budgets(ACME)).singleElement().satisfies(b -> assertThat(b.allowUnpriced()).isFalse());
        assertThat(admin.auditLog(AuditQuery.of(ACME)).events()).extracting(OrgAdminContract::line).containsExactly(
                "bo budget.set org monthly 100 USD, hard, alert at 0.8, UTC",
                "ada budget.set org monthly 100 USD, hard, alert at 0.8, UTC, unpriced models allowed");
    }

    @Test
    void aRateLimitChangeIsAuditedWithTheNewLimits() {
        MutableClock clock = new MutableClock(T0);
        Parts p = newParts(clock);
        OrgAdmin admin = admin(p, clock);

        admin.setRateLimitPolicy(ACME, new RateLimitPolicy(10, 20, 100).withRequestsPerDay(50, 500), "ada");

        assertThat(admin.rateLimitPolicy(ACME)).isEqualTo(new RateLimitPolicy(10, 20, 100, 0, 0, 50, 500, 5));
        assertThat(admin.rateLimitPolicy(GLOBEX)).isEqualTo(RateLimitPolicy.DEFAULT);
        assertThat(admin.auditLog(AuditQuery.of(ACME)).events()).extracting(OrgAdminContract::line).containsExactly(
                "ada rate-limit.set null per minute: user 10, ip 20, org 100; tokens per minute: user 0, org 0; "
                        + "per day: user 50, org 500; key checks per minute 5");
    }
}
