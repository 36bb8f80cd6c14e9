package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.CallObserver;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.LLMJob;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcModelCatalog;
import dev.aitenancy.jdbc.JdbcPreferenceStore;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryPreferenceStore;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.metrics.MicrometerCallObserver;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.internal.GenerateEndpoint;
import dev.aitenancy.spring.internal.RequestBodyLimit;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/** The auto-configuration in real Spring contexts: what it wires, when it backs off, what it refuses. */
class AiTenancyAutoConfigurationTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String MASTER_KEY = SecretCipher.generateBase64Key();

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(TestApp.STARTER);
    /** With a database of its own, and the master key its provider keys are encrypted with. */
    private final ApplicationContextRunner withDatabase = runner.withUserConfiguration(WithDataSource.class)
            .withPropertyValues("ai-tenancy.master-key=" + MASTER_KEY);

    private static DataSource freshH2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:starter-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    @Configuration(proxyBeanMethods = false)
    static class WithDataSource {
        @Bean
        DataSource dataSource() {
            return freshH2();
        }
    }

    private static boolean tableExists(DataSource ds, String table) throws Exception {
        try (Connection c = ds.getConnection(); ResultSet rs = c.getMetaData().getTables(null, null, null, null)) {
            while (rs.next()) {
                if (rs.getString("TABLE_NAME").equalsIgnoreCase(table)) {
                    return true;
                }
            }
            return false;
        }
    }

    @Test
    void startupSaysOnceWhichStoresServeWhichPartAndWhereTheEndpointsAre() throws Exception {
        String inMemory = LogCapture.quietly(() -> runner.run(ctx -> assertThat(ctx).hasNotFailed()));
        String onJdbc = LogCapture.quietly(() -> withDatabase.run(ctx -> assertThat(ctx).hasNotFailed()));
        String mounted = LogCapture.quietly(() -> withAdmin.withPropertyValues("ai-tenancy.admin.base-path=/ai")
                .run(ctx -> assertThat(ctx).hasNotFailed()));

        assertThat(inMemory.lines().filter(l -> l.contains("ai-tenancy: stores"))).singleElement().asString()
                .contains("stores in memory (nothing survives a restart): keys InMemoryKeyStore, models "
                        + "InMemoryModelCatalog, rate limits InMemoryRateLimiter")
                .contains("usage InMemoryUsageSink")
                .endsWith("; admin and generate endpoints off (ai-tenancy.admin.enabled=false)");
        assertThat(onJdbc.lines().filter(l -> l.contains("ai-tenancy: stores"))).singleElement().asString()
                .contains("stores on JDBC (H2 2.")
                .contains("keys CachingKeyStore, models JdbcModelCatalog, rate limits JdbcRateLimiter, "
                        + "budgets JdbcBudgetLedger")
                .contains("usage JdbcUsageSink")
                .doesNotContain(MASTER_KEY);
        assertThat(mounted).contains("admin and generate endpoints mounted under /ai");
    }

    @Test
    void withoutDataSourceEverythingIsInMemory() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).hasSingleBean(LLMJob.class).hasSingleBean(ProviderKeyAdmin.class);
            assertThat(ctx.getBean(KeyStore.class)).isInstanceOf(InMemoryKeyStore.class);
            assertThat(ctx.getBean(UsageSink.class)).isInstanceOf(InMemoryUsageSink.class);
            assertThat(ctx.getBean(InMemoryModelCatalog.class)).isNotNull();
            assertThat(ctx).doesNotHaveBean(AiTenancyJdbc.class);
            assertThat(ctx.getBean(LLMJob.class).providerIds()).contains(ProviderId.OPENAI, ProviderId.ANTHROPIC,
                    ProviderId.GEMINI, ProviderId.COHERE);
        });
    }

    @Test
    void withDataSourceTheJdbcImplementationsAreWiredAndTheSchemaMigrated() {
        withDatabase
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).hasSingleBean(AiTenancyJdbc.class);
                    assertThat(ctx.getBean(KeyStore.class)).isInstanceOf(CachingKeyStore.class);
                    assertThat(ctx.getBean(UsageSink.class)).isInstanceOf(JdbcUsageSink.class);
                    assertThat(ctx.getBean(JdbcModelCatalog.class)).isNotNull();
                    assertThat(ctx.getBean(dev.aitenancy.guardrails.GuardrailStore.class))
                            .isInstanceOf(dev.aitenancy.guardrails.CachingGuardrailStore.class);
                    assertThat(ctx.getBean(AiTenancyProperties.class).jdbc().cacheTtl()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(ctx.getBean(AiTenancyProperties.class).toString()).doesNotContain(MASTER_KEY)
                            .contains("masterKey=(set)");
                    DataSource ds = ctx.getBean(DataSource.class);
                    assertThat(tableExists(ds, AiTenancyJdbc.HISTORY_TABLE)).isTrue();
                    // the key store really encrypts with the configured master key
                    KeyStore keys = ctx.getBean(KeyStore.class);
                    keys.put(OrgId.of("acme"), ProviderId.OPENAI, ApiKey.of("sk-roundtrip-000000000000"));
                    assertThat(keys.get(OrgId.of("acme"), ProviderId.OPENAI)).contains(ApiKey.of("sk-roundtrip-000000000000"));
                });
    }

    @Test
    void migrationsCanBeSwitchedOff() {
        withDatabase.withPropertyValues("ai-tenancy.jdbc.migrate=false")
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(AiTenancyJdbc.class);
                    assertThat(tableExists(ctx.getBean(DataSource.class), AiTenancyJdbc.HISTORY_TABLE)).isFalse();
                });
    }

    @Test
    void withoutTheJdbcModuleADataSourceIsIgnored() {
        runner.withUserConfiguration(WithDataSource.class)
                .withClassLoader(new FilteredClassLoader(AiTenancyJdbc.class))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(KeyStore.class)).isInstanceOf(InMemoryKeyStore.class);
                });
    }

    @Test
    void aMalformedMasterKeyFailsStartupWithTheLibrarysMessage() {
        runner.withUserConfiguration(WithDataSource.class)
                .withPropertyValues("ai-tenancy.master-key=not-a-key")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    Throwable root = rootCause(ctx.getStartupFailure());
                    assertThat(root).isInstanceOf(ConfigurationException.class);
                    assertThat(((ConfigurationException) root).code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
                    assertThat(root.getMessage()).contains("generate").doesNotContain("not-a-key");
                    org.springframework.boot.diagnostics.FailureAnalysis analysis =
                            new dev.aitenancy.spring.internal.AiTenancyFailureAnalyzer().analyze(ctx.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("AI_CONFIG_INVALID").doesNotContain("not-a-key");
                    assertThat(analysis.getAction()).contains("ai-tenancy.master-key");
                });
    }

    @Test
    void aValidButWrongMasterKeyFailsStartupWithTheFailureAnalyzersDescriptionAndNoKeyMaterial() throws Exception {
        DataSource shared = freshH2();
        String wrong = SecretCipher.generateBase64Key();
        String planted = "sk-proj-STARTERplanted-0123456789abcdef";
        runner.withBean(DataSource.class, () -> shared).withPropertyValues("ai-tenancy.master-key=" + MASTER_KEY)
                .run(ctx -> ctx.getBean(KeyStore.class).put(OrgId.of("acme"), ProviderId.OPENAI, ApiKey.of(planted)));
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();

        String log = dev.aitenancy.testing.LogCapture.stderrOf(() -> runner.withBean(DataSource.class, () -> shared)
                .withPropertyValues("ai-tenancy.master-key=" + wrong)
                .run(ctx -> failure.set(ctx.getStartupFailure())));
        runner.withBean(DataSource.class, () -> shared).withPropertyValues("ai-tenancy.master-key=" + MASTER_KEY)
                .run(ctx -> assertThat(ctx.getBean(KeyStore.class).get(OrgId.of("acme"), ProviderId.OPENAI))
                        .as("the right key still starts and reads the stored key").contains(ApiKey.of(planted)));

        assertThat(failure.get()).as("the context failed to start").isNotNull();
        Throwable root = rootCause(failure.get());
        assertThat(root).isInstanceOf(ConfigurationException.class);
        assertThat(((ConfigurationException) root).code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        org.springframework.boot.diagnostics.FailureAnalysis analysis =
                new dev.aitenancy.spring.internal.AiTenancyFailureAnalyzer().analyze(failure.get());
        assertThat(analysis.getDescription()).startsWith("ai-tenancy could not start: AI_CONFIG_INVALID: ")
                .contains("the configured master key is not the one the stored provider keys were encrypted with");
        assertThat(analysis.getAction()).contains("ai-tenancy.master-key").contains("the one they were encrypted with");
        java.util.List<String> shown = new java.util.ArrayList<>(java.util.List.of(analysis.getDescription(),
                analysis.getAction(), log));
        for (Throwable t = failure.get(); t != null; t = t.getCause()) {
            shown.add(String.valueOf(t.getMessage()));
            shown.add(t.toString());
        }
        assertThat(shown).allSatisfy(text -> assertThat(text).doesNotContain(wrong).doesNotContain(MASTER_KEY)
                .doesNotContain(planted).doesNotContain("STARTERplanted"));
    }

    @Test
    void aMissingMasterKeyFailsStartupWhenKeysLiveInTheDatabase() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(SecretCipher.MASTER_KEY_ENV) == null,
                "AI_TENANCY_MASTER_KEY is set in this environment");
        runner.withUserConfiguration(WithDataSource.class).run(ctx -> {
            assertThat(ctx).hasFailed();
            Throwable root = rootCause(ctx.getStartupFailure());
            assertThat(root).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("no master key is configured");
        });
    }

    @Test
    void aMasterKeyIsNotNeededWhenTheApplicationBringsItsOwnKeyStore() {
        runner.withUserConfiguration(WithDataSource.class, OwnKeyStore.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(KeyStore.class)).isSameAs(ctx.getBean(OwnKeyStore.class).keys);
            assertThat(ctx.getBean(UsageSink.class)).isInstanceOf(JdbcUsageSink.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnKeyStore {
        final InMemoryKeyStore keys = new InMemoryKeyStore();

        @Bean
        KeyStore myKeys() {
            return keys;
        }
    }

    @Test
    void backsOffFromTheApplicationsOwnBeans() {
        LLMJob own = LLMJob.builder().keyStore(new InMemoryKeyStore()).modelCatalog(new InMemoryModelCatalog()).build();
        InMemoryUsageSink ownUsage = new InMemoryUsageSink();
        runner.withBean("myJob", LLMJob.class, () -> own)
                .withBean("myUsage", UsageSink.class, () -> ownUsage)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(LLMJob.class).hasSingleBean(UsageSink.class);
                    assertThat(ctx.getBean(LLMJob.class)).isSameAs(own);
                    assertThat(ctx.getBean(UsageSink.class)).isSameAs(ownUsage);
                });
    }

    @Test
    void theJobUsesTheApplicationsUsageSinkAndProviderClients() {
        InMemoryUsageSink ownUsage = new InMemoryUsageSink();
        runner.withBean("myUsage", UsageSink.class, () -> ownUsage).run(ctx ->
                assertThat(ctx.getBean(LLMJob.class).usageSink()).isSameAs(ownUsage));
    }

    @Test
    void propertiesAreHonoured() {
        runner.withPropertyValues("ai-tenancy.rate-limit.user-requests-per-minute=7",
                        "ai-tenancy.rate-limit.org-requests-per-day=1000", "ai-tenancy.usage.retention=14",
                        "ai-tenancy.usage.max-stored-text=2KB", "ai-tenancy.http.request-timeout=45s",
                        "ai-tenancy.admin.base-path=/admin/ai")
                .run(ctx -> {
                    RateLimitPolicy policy = ctx.getBean(RateLimitAdmin.class).policy(OrgId.of("acme"));
                    assertThat(policy.userRequestsPerMinute()).isEqualTo(7);
                    assertThat(policy.ipRequestsPerMinute()).isEqualTo(60);
                    assertThat(policy.orgRequestsPerDay()).isEqualTo(1000);
                    AiTenancyProperties p = ctx.getBean(AiTenancyProperties.class);
                    assertThat(p.usage().retention()).isEqualTo(Duration.ofDays(14));
                    assertThat(p.usage().maxStoredText().toBytes()).isEqualTo(2048);
                    assertThat(p.http().requestTimeout()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(p.http().connectTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(p.admin().basePath()).isEqualTo("/admin/ai");
                    assertThat(p.admin().enabled()).isFalse();
                    assertThat(p.admin().maxRequestBody()).as("the default").isEqualTo(DataSize.ofMegabytes(1));
                });
        runner.withPropertyValues("ai-tenancy.admin.max-request-body=64KB").run(ctx ->
                assertThat(ctx.getBean(AiTenancyProperties.class).admin().maxRequestBody().toBytes()).isEqualTo(65536));
    }

    @Test
    void tracingWhenAnObservationRegistryExists() {
        runner.withBean(io.micrometer.observation.ObservationRegistry.class,
                io.micrometer.observation.ObservationRegistry::create).run(ctx -> {
                    assertThat(ctx).hasSingleBean(dev.aitenancy.metrics.ObservationCallTracing.class);
                    assertThat(ctx).hasSingleBean(dev.aitenancy.LLMJob.class);
                });
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(dev.aitenancy.CallTracing.class));
    }

    @Test
    void metricsWhenAMeterRegistryExists() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx ->
                assertThat(ctx).hasSingleBean(MicrometerCallObserver.class));
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(CallObserver.class));
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).doesNotHaveBean(CallObserver.class);
                });
    }

    @Test
    void theJdbcUsageSinksFaultCountersArePublished() {
        withDatabase
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(ctx -> {
                    JdbcUsageSink sink = ctx.getBean(JdbcUsageSink.class);
                    sink.finished(record());
                    assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
                    MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                    assertThat(registry.get("ai_tenancy.usage.records.written").functionCounter().count())
                            .isEqualTo(1.0);
                    for (String name : List.of("rejected", "dropped", "abandoned")) {
                        assertThat(registry.get("ai_tenancy.usage.records." + name).functionCounter().count())
                                .as(name).isZero();
                    }
                });
    }

    @Test
    void theUsageSinkIsClosedWithTheContext() {
        JdbcUsageSink[] sink = new JdbcUsageSink[1];
        withDatabase
                .run(ctx -> {
                    sink[0] = ctx.getBean(JdbcUsageSink.class);
                    sink[0].finished(record());
                });
        // closing flushed the queue and stopped taking records
        assertThat(sink[0].writtenRecords()).isEqualTo(1);
        assertThatThrownBy(() -> sink[0].finished(record())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static UsageRecord record() {
        Instant t = Instant.parse("2026-11-01T10:00:00Z");
        return UsageRecord.builder(UUID.randomUUID(), "acme", t).userId("alice").provider("openai")
                .model("gpt-4.1-mini").status(UsageStatus.OK).latency(Duration.ofMillis(5)).correlationId("corr-1")
                .inputText("hi").outputText("hello").finishedAt(t.plusMillis(5)).build();
    }

    // ---- the web part ---------------------------------------------------------------------------

    private final WebApplicationContextRunner webRunner = new WebApplicationContextRunner()
            .withConfiguration(TestApp.STARTER);
    /** With the admin endpoints enabled. */
    private final WebApplicationContextRunner withAdmin = webRunner.withPropertyValues("ai-tenancy.admin.enabled=true");

    @Test
    void aUsageSinkForTheCallPathAloneRunsCallsAndMountsNoUsageEndpoints() {
        java.util.List<UsageRecord> written = new java.util.concurrent.CopyOnWriteArrayList<>();
        UsageSink writeOnly = new UsageSink() {
            @Override
            public void started(UsageRecord record) {
                written.add(record);
            }

            @Override
            public void finished(UsageRecord record) {
                written.add(record);
            }
        };
        withAdmin.withBean("myUsage", UsageSink.class,
                () -> writeOnly).run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(GenerateEndpoint.class)
                            .doesNotHaveBean(dev.aitenancy.spring.internal.UsageEndpoints.class);
                    assertThat(ctx.getBean(LLMJob.class).usageSink()).isSameAs(writeOnly);
                });
        withAdmin.run(ctx ->
                assertThat(ctx).hasSingleBean(dev.aitenancy.spring.internal.UsageEndpoints.class));
    }

    @Test
    void callPathOnlyBeansReplaceTheStoresAndTheirAdminPartsStepAside() {
        dev.aitenancy.keys.ProviderKeys vault = new dev.aitenancy.keys.ProviderKeys() {
            @Override
            public java.util.Optional<dev.aitenancy.keys.StoredKey> find(dev.aitenancy.tenant.OrgId org,
                    dev.aitenancy.provider.ProviderId provider) {
                return java.util.Optional.empty();
            }

            @Override
            public boolean markVerified(dev.aitenancy.tenant.OrgId org, dev.aitenancy.provider.ProviderId provider,
                    java.time.Instant at) {
                return false;
            }
        };
        dev.aitenancy.limits.BudgetLedger ledger = (org, caller, tier, worstCase) ->
                dev.aitenancy.limits.BudgetReservation.NONE;
        dev.aitenancy.guardrails.Guardrails rules = org -> java.util.List.of();
        dev.aitenancy.features.FeatureFlags flags = (org, feature) -> true;
        webRunner.withPropertyValues("ai-tenancy.admin.enabled=true")
                .withBean("vault", dev.aitenancy.keys.ProviderKeys.class, () -> vault)
                .withBean("ledger", dev.aitenancy.limits.BudgetLedger.class, () -> ledger)
                .withBean("rules", dev.aitenancy.guardrails.Guardrails.class, () -> rules)
                .withBean("flags", dev.aitenancy.features.FeatureFlags.class, () -> flags)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(LLMJob.class).hasSingleBean(OrgAdmin.class)
                            .doesNotHaveBean(KeyStore.class)
                            .doesNotHaveBean(dev.aitenancy.limits.BudgetStore.class)
                            .doesNotHaveBean(dev.aitenancy.guardrails.GuardrailStore.class)
                            .doesNotHaveBean(dev.aitenancy.features.FeatureFlagStore.class)
                            .doesNotHaveBean(ProviderKeyAdmin.class)
                            .doesNotHaveBean(dev.aitenancy.spring.internal.GlobalGuardrailEndpoints.class)
                            .hasSingleBean(GenerateEndpoint.class);
                    OrgAdmin admin = ctx.getBean(OrgAdmin.class);
                    assertThatThrownBy(() -> admin.budgets(dev.aitenancy.tenant.OrgId.of("acme")))
                            .isInstanceOf(dev.aitenancy.ConfigurationException.class)
                            .hasMessageContaining("budgets(");
                    assertThatThrownBy(() -> admin.setFeature(dev.aitenancy.tenant.OrgId.of("acme"), "chat", false,
                            "ada")).isInstanceOf(dev.aitenancy.ConfigurationException.class);
                });
    }

    @Test
    void aPreferenceStoreIsWiredInMemoryOrOnJdbcAndBacksOffForTheHostsOwn() {
        runner.run(ctx -> assertThat(ctx.getBean(PreferenceStore.class)).isInstanceOf(InMemoryPreferenceStore.class));
        withDatabase.run(ctx -> {
            assertThat(ctx.getBean(PreferenceStore.class)).isInstanceOf(JdbcPreferenceStore.class);
            OrgAdmin admin = ctx.getBean(OrgAdmin.class);
            admin.setOrgPreferences(OrgId.of("acme"), new AiPreferences("formal", 300, null), "ada");
            assertThat(ctx.getBean(PreferenceStore.class).org(OrgId.of("acme")).tone())
                    .as("OrgAdmin changes the wired store").isEqualTo("formal");
        });

        PreferenceStore own = new InMemoryPreferenceStore();
        withAdmin.withBean("myPreferences", PreferenceStore.class, () -> own).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(PreferenceStore.class)
                    .hasSingleBean(dev.aitenancy.spring.internal.PreferenceEndpoints.class);
            assertThat(ctx.getBean(PreferenceStore.class)).isSameAs(own);
        });
        Preferences readOnly = Preferences.none();
        withAdmin.withBean("myPreferences", Preferences.class, () -> readOnly).run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(PreferenceStore.class)
                    .doesNotHaveBean(dev.aitenancy.spring.internal.PreferenceEndpoints.class)
                    .hasSingleBean(GenerateEndpoint.class);
            assertThat(ctx.getBean(Preferences.class)).isSameAs(readOnly);
        });
    }

    @Test
    void endpointsOnlyWhenEnabledInAServletApplication() {
        webRunner.run(ctx -> assertThat(ctx).doesNotHaveBean(GenerateEndpoint.class));
        withAdmin.run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(GenerateEndpoint.class).hasSingleBean(RequestBodyLimit.class);
            assertThat(ctx.getBean(AdminAuthorizer.class)).isInstanceOf(SpringSecurityAdminAuthorizer.class);
        });
        runner.withPropertyValues("ai-tenancy.admin.enabled=true").run(ctx ->
                assertThat(ctx).doesNotHaveBean(GenerateEndpoint.class));
        withAdmin
                .withClassLoader(new FilteredClassLoader(org.springframework.web.servlet.DispatcherServlet.class))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(LLMJob.class);
                    assertThat(ctx).doesNotHaveBean(GenerateEndpoint.class);
                });
    }

    @Test
    void aRequestBodyLimitBelowOneByteFailsStartup() {
        withAdmin.withPropertyValues("ai-tenancy.admin.max-request-body=0")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
                        .hasMessage("ai-tenancy.admin.max-request-body must be at least 1 byte"));
    }

    @Test
    void withoutSpringSecurityNobodyIsAuthorizedAndOriginsAreChecked() {
        withAdmin
                .withClassLoader(TestApp.withoutSpringSecurity())
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    AdminAuthorizer authorizer = ctx.getBean(AdminAuthorizer.class);
                    assertThat(authorizer).isNotInstanceOf(SpringSecurityAdminAuthorizer.class);
                    assertThat(authorizer.principal(new org.springframework.mock.web.MockHttpServletRequest()))
                            .isEmpty();
                    assertThat(ctx).hasBean("aiTenancyOriginCheck");
                });
    }

    @Test
    void theApplicationsAuthorizerReplacesTheDefault() {
        AdminAuthorizer own = request -> java.util.Optional.of(
                new AdminPrincipal("root", true, null, null, null));
        withAdmin
                .withBean(AdminAuthorizer.class, () -> own)
                .run(ctx -> assertThat(ctx.getBean(AdminAuthorizer.class)).isSameAs(own));
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
