package dev.aitenancy.spring;

import dev.aitenancy.usage.UsageTextSettings;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryFeatureFlags;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryTemplateStore;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.memory.InMemoryConversationStore;
import dev.aitenancy.template.Templates;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.maintenance.JobRuns;
import dev.aitenancy.memory.InMemoryJobRuns;
import dev.aitenancy.spring.internal.JobLock;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** In-memory implementations of whatever neither the application nor the database provides. */
@Configuration(proxyBeanMethods = false)
class AiTenancyInMemoryConfiguration {

    @Bean
    @ConditionalOnMissingBean(AuditSink.class)
    AuditSink aiTenancyAuditSink() {
        return new InMemoryAuditSink();
    }

    @Bean
    @ConditionalOnMissingBean(ProviderKeys.class)
    KeyStore aiTenancyKeyStore(ObjectProvider<Clock> clock) {
        return new InMemoryKeyStore(AiTenancyAutoConfiguration.clock(clock));
    }

    @Bean
    @ConditionalOnMissingBean(ModelCatalog.class)
    InMemoryModelCatalog aiTenancyModelCatalog(ModelRegistry registry, TierPlan plan) {
        return new InMemoryModelCatalog(registry, plan);
    }

    @Bean
    @ConditionalOnMissingBean(RateLimiter.class)
    InMemoryRateLimiter aiTenancyRateLimiter(AiTenancyProperties properties, ObjectProvider<Clock> clock) {
        return new InMemoryRateLimiter(AiTenancyAutoConfiguration.clock(clock), properties.rateLimit().toPolicy());
    }

    @Bean
    @ConditionalOnMissingBean(UsageSink.class)
    InMemoryUsageSink aiTenancyUsageSink() {
        return new InMemoryUsageSink();
    }

    @Bean
    @ConditionalOnMissingBean(BudgetLedger.class)
    BudgetStore aiTenancyBudgetLedger(BudgetAlertListener listener, ObjectProvider<Clock> clock) {
        return new InMemoryBudgetLedger(AiTenancyAutoConfiguration.clock(clock), listener);
    }

    @Bean
    @ConditionalOnMissingBean(FeatureFlags.class)
    FeatureFlagStore aiTenancyFeatureFlags() {
        return new InMemoryFeatureFlags();
    }

    @Bean
    @ConditionalOnMissingBean(Templates.class)
    TemplateStore aiTenancyTemplateStore(ObjectProvider<Clock> clock) {
        return new InMemoryTemplateStore(AiTenancyAutoConfiguration.clock(clock));
    }

    @Bean
    @ConditionalOnMissingBean
    ConversationStore aiTenancyConversationStore(ObjectProvider<Clock> clock) {
        return new InMemoryConversationStore(AiTenancyAutoConfiguration.clock(clock));
    }

    @Bean
    @ConditionalOnMissingBean(Guardrails.class)
    GuardrailStore aiTenancyGuardrailStore() {
        return new dev.aitenancy.memory.InMemoryGuardrailStore();
    }

    @Bean
    @ConditionalOnMissingBean(UsageTextSettings.class)
    UsageTextSettings aiTenancyUsageTextSettings() {
        return new dev.aitenancy.memory.InMemoryUsageTextSettings();
    }

    @Bean
    @ConditionalOnMissingBean(Preferences.class)
    PreferenceStore aiTenancyPreferenceStore() {
        return new dev.aitenancy.memory.InMemoryPreferenceStore();
    }

    @Bean
    @ConditionalOnMissingBean(JobRuns.class)
    JobRuns aiTenancyJobRuns() {
        return new InMemoryJobRuns();
    }

    /** Without a database there is one instance: the maintenance jobs lock in this JVM. */
    @Bean
    @ConditionalOnMissingBean(JobLock.class)
    JobLock aiTenancyJobLock() {
        return JobLock.local();
    }
}
