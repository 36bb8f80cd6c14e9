package dev.aitenancy.spring;

import dev.aitenancy.CallObserver;
import dev.aitenancy.CallTracing;
import dev.aitenancy.LLMJob;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.internal.OrgsFromProperties;
import dev.aitenancy.spring.internal.OrgsFromProperties;
import dev.aitenancy.spring.internal.StartupReport;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.template.Templates;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageTextSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Wires ai-tenancy into a Spring Boot application: an {@link LLMJob} and everything it needs, each
 * bean backing off when the application defines its own of the same type.
 *
 * <p>With one {@link DataSource} (and {@code ai-tenancy-jdbc} on the classpath) keys, models,
 * limits, usage, audit, budgets, feature flags, templates, guardrails and stored-text settings
 * live in the database (the {@code ai_}
 * tables are migrated at startup unless {@code ai-tenancy.jdbc.migrate=false}); the provider keys
 * are encrypted with {@code ai-tenancy.master-key} (or {@code AI_TENANCY_MASTER_KEY}), and startup
 * fails with {@code AI_CONFIG_INVALID} when it is missing or malformed. Without a data source
 * everything is kept in memory. With a Micrometer {@link MeterRegistry} every call is measured.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@EnableConfigurationProperties(AiTenancyProperties.class)
@Import({AiTenancyJdbcConfiguration.class, AiTenancyInMemoryConfiguration.class,
        AiTenancyMetricsConfiguration.class, AiTenancyJobsConfiguration.class})
public class AiTenancyAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AiTenancyAutoConfiguration.class);

    static Clock clock(ObjectProvider<Clock> clock) {
        return clock.getIfUnique(Clock::systemUTC);
    }

    @Bean
    @ConditionalOnMissingBean
    public ModelRegistry aiTenancyModelRegistry() {
        return ModelRegistry.builtIn();
    }

    @Bean
    @ConditionalOnMissingBean
    public TierPlan aiTenancyTierPlan(ModelRegistry registry) {
        return TierPlan.byListPrice(registry);
    }

    @Bean
    @ConditionalOnMissingBean
    public BudgetAlertListener aiTenancyBudgetAlertListener() {
        return (budget, period, spent) -> log.warn("ai-tenancy: {} of org {} reached {} USD in period {}",
                budget.describe(), budget.org(), spent.toPlainString(), period);
    }

    @Bean
    @ConditionalOnMissingBean
    public LLMJob aiTenancyLlmJob(AiTenancyProperties properties, ProviderKeys keys, ModelCatalog models,
            RateLimiter rateLimiter, UsageSink usage, FeatureFlags features, BudgetLedger budgets,
            Templates templates, Guardrails guardrails, UsageTextSettings usageText,
            ObjectProvider<CallObserver> observer, ObjectProvider<ProviderClient> providers,
            ObjectProvider<ConversationStore> conversations, ObjectProvider<Preferences> preferences,
            ObjectProvider<CallTracing> tracing, ObjectProvider<Clock> clock) {
        LLMJob.Builder b = LLMJob.builder()
                .clock(clock(clock))
                .keyStore(keys)
                .modelCatalog(models)
                .rateLimiter(rateLimiter)
                .usageSink(usage)
                .featureFlags(features)
                .budgetLedger(budgets)
                .templateStore(templates)
                .guardrails(guardrails)
                .usageTextPolicy(usageText)
                .conversations(conversations.getIfAvailable())
                .conversationHistory(properties.conversations().history())
                .reverifyKeysAfter(properties.keys().reverifyAfter())
                .maxStoredTextBytes(Math.toIntExact(properties.usage().maxStoredText().toBytes()))
                .builtInProviders(s -> s.connectTimeout(properties.http().connectTimeout())
                        .requestTimeout(properties.http().requestTimeout()));
        properties.providers().forEach((id, endpoint) -> {
            if (endpoint != null && endpoint.baseUrl() != null) {
                b.provider(ProviderId.of(id), s -> s.baseUri(endpoint.baseUrl())
                        .connectTimeout(properties.http().connectTimeout())
                        .requestTimeout(properties.http().requestTimeout()));
            }
        });
        observer.ifUnique(b::observer);
        preferences.ifUnique(b::preferences);
        tracing.ifUnique(b::tracing);
        providers.orderedStream().forEach(b::provider); // the application's clients replace built-in ones of the same id
        return b.build();
    }

    /**
     * The org's administrative changes, each recorded in the audit log with who made it. A part the
     * application replaced with a call-path-only bean (a {@link BudgetLedger} that is no
     * {@link BudgetStore}, say) is left out: its admin methods answer {@code AI_CONFIG_INVALID}.
     */
    @Bean
    @ConditionalOnMissingBean
    public OrgAdmin aiTenancyOrgAdmin(AuditSink audit, ObjectProvider<ModelAdmin> models,
            ObjectProvider<BudgetStore> budgets, ObjectProvider<UsageLog> usage,
            ObjectProvider<FeatureFlagStore> features, ObjectProvider<TemplateStore> templates,
            ObjectProvider<GuardrailStore> guardrails, UsageTextSettings usageText,
            ObjectProvider<RateLimitAdmin> rateLimits, ObjectProvider<PreferenceStore> preferences,
            ObjectProvider<Clock> clock) {
        OrgAdmin.Builder b = OrgAdmin.builder().audit(audit).usageText(usageText).clock(clock(clock));
        budgets.ifUnique(b::budgets);
        features.ifUnique(b::features);
        templates.ifUnique(b::templates);
        guardrails.ifUnique(b::guardrails);
        usage.ifUnique(b::usage);
        models.ifUnique(b::models);
        rateLimits.ifUnique(b::rateLimits);
        preferences.ifUnique(b::preferences);
        return b.build();
    }

    /** Sets up the orgs of {@code ai-tenancy.orgs.*} at startup (nothing when there are none). */
    @Bean
    OrgsFromProperties aiTenancyOrgsFromProperties(AiTenancyProperties properties, ObjectProvider<KeyStore> keys,
            OrgAdmin admin, AuditSink audit, ObjectProvider<Clock> clock) {
        KeyStore store = keys.getIfUnique();
        if (store == null && properties.orgs().values().stream().anyMatch(o -> !o.keys().isEmpty())) {
            throw new IllegalStateException("ai-tenancy.orgs sets up keys, but the application's key store is not a "
                    + "KeyStore (only ProviderKeys): remove the keys from the properties or provide a KeyStore bean");
        }
        return new OrgsFromProperties(properties.orgs(), store, admin, audit, clock(clock));
    }

    /** Logs once at startup which stores serve which part and where the endpoints are mounted. */
    @Bean
    StartupReport aiTenancyStartupReport(ListableBeanFactory beans, AiTenancyProperties properties) {
        return new StartupReport(beans, properties.admin().enabled(), properties.admin().basePath());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean({ModelAdmin.class, KeyStore.class})
    public ProviderKeyAdmin aiTenancyProviderKeyAdmin(KeyStore keys, ModelAdmin models, LLMJob job, AuditSink audit,
            RateLimiter limiter, ObjectProvider<Clock> clock) {
        return new ProviderKeyAdmin(keys, models, job, audit, limiter, clock(clock));
    }
}
