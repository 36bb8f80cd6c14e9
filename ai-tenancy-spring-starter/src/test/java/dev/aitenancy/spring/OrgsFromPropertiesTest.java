package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyStatus;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.internal.OrgsFromProperties;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

/** Orgs from properties: applied at the first startup that sees them, again only when they change. */
class OrgsFromPropertiesTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String KEY = "sk-proj-PROPSplanted000111222333444555";
    private static final OrgId ACME = OrgId.of("acme");
    private static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    private static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");

    private final DataSource database = h2();
    private final String masterKey = "ai-tenancy.master-key=" + SecretCipher.generateBase64Key();
    private final String[] acme = {masterKey,
        "ai-tenancy.orgs.acme.keys.openai=" + KEY,
        "ai-tenancy.orgs.acme.models[0]=openai/gpt-4.1-mini",
        "ai-tenancy.orgs.acme.models[1]=openai/gpt-4.1-nano",
        "ai-tenancy.orgs.acme.default-model=openai/gpt-4.1-nano",
        "ai-tenancy.orgs.acme.rate-limit.user-requests-per-minute=7",
        "ai-tenancy.orgs.acme.monthly-budget-usd=25"};

    private static DataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:orgs-props-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    private ApplicationContextRunner app(String... properties) {
        return new ApplicationContextRunner().withConfiguration(TestApp.STARTER)
                .withBean(DataSource.class, () -> database).withPropertyValues(properties);
    }

    @Test
    void theFirstStartupSetsTheOrgUpAndALaterOneKeepsWhatAdminsChanged() throws Exception {
        String firstLog = LogCapture.quietly(() -> app(acme).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ProviderKeyStatus key = ctx.getBean(KeyStore.class).status(ACME).get(0);
            assertThat(key.maskedKey()).endsWith("4555");
            assertThat(ctx.getBean(ModelAdmin.class).models(ACME)).extracting(OrgModel::ref).containsExactly(MINI, NANO);
            assertThat(ctx.getBean(ModelAdmin.class).models(ACME)).filteredOn(OrgModel::isDefault)
                    .extracting(OrgModel::ref).containsExactly(NANO);
            assertThat(ctx.getBean(RateLimitAdmin.class).policy(ACME).userRequestsPerMinute()).isEqualTo(7);
            assertThat(ctx.getBean(BudgetStore.class).budgets(ACME)).singleElement()
                    .satisfies(b -> assertThat(b.limitUsd()).isEqualByComparingTo(new BigDecimal("25")));
            // an admin changes the setup afterwards
            ctx.getBean(ModelAdmin.class).setDefault(ACME, MINI).remove(ACME, NANO);
        }));
        String secondLog = LogCapture.quietly(() -> app(acme).run(ctx -> {
            assertThat(ctx.getBean(ModelAdmin.class).models(ACME)).as("the admin's removal stands")
                    .extracting(OrgModel::ref).containsExactly(MINI);
            assertThat(ctx.getBean(AuditSink.class).query(AuditQuery.of(ACME).withAction(OrgsFromProperties.ACTION))
                    .events()).hasSize(1);
        }));
        String[] changed = acme.clone();
        changed[4] = "ai-tenancy.orgs.acme.default-model=openai/gpt-4.1-mini";
        app(changed).run(ctx -> {
            assertThat(ctx.getBean(ModelAdmin.class).models(ACME)).as("changed properties are applied again, whole")
                    .extracting(OrgModel::ref).containsExactly(MINI, NANO);
            assertThat(ctx.getBean(AuditSink.class).query(AuditQuery.of(ACME).withAction(OrgsFromProperties.ACTION))
                    .events()).hasSize(2);
        });

        assertThat(firstLog).contains("org acme set up from properties: keys [openai], models [openai/gpt-4.1-mini, "
                + "openai/gpt-4.1-nano], default openai/gpt-4.1-nano, rate limits, monthly budget 25 USD");
        assertThat(secondLog).contains("org acme from properties: unchanged since they were applied");
        assertThat(firstLog + secondLog).doesNotContain(KEY);
    }

    @Test
    void anEmptyKeyOrAMalformedModelStopsTheStartupWithWhatToDo() throws Exception {
        LogCapture.quietly(() -> {
            app(masterKey, "ai-tenancy.orgs.acme.keys.openai=",
                    "ai-tenancy.orgs.acme.models[0]=openai/gpt-4.1-mini").run(ctx -> {
                        assertThat(ctx).hasFailed();
                        assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                                .hasMessageContaining("ai-tenancy.orgs.acme.keys.openai is empty");
                    });
            app(masterKey, "ai-tenancy.orgs.acme.models[0]=gpt-4.1")
                    .run(ctx -> assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                            .hasMessageContaining("write a model as provider/model"));
        });
    }
}
