package dev.aitenancy.spring;

import dev.aitenancy.usage.UsageTextSettings;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcBudgetLedger;
import dev.aitenancy.jdbc.JdbcModelCatalog;
import dev.aitenancy.jdbc.JdbcRateLimiter;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.template.Templates;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.maintenance.JobRuns;
import dev.aitenancy.spring.internal.JobLock;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The JDBC implementations, over the application's one {@link DataSource}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(AiTenancyJdbc.class)
@ConditionalOnSingleCandidate(DataSource.class)
class AiTenancyJdbcConfiguration {

    @Bean
    @ConditionalOnMissingBean
    AiTenancyJdbc aiTenancyJdbc(DataSource dataSource, AiTenancyProperties properties, ObjectProvider<Clock> clock) {
        return AiTenancyJdbc.create(dataSource, AiTenancyAutoConfiguration.clock(clock), properties.jdbc().migrate())
                .withConfigCache(properties.jdbc().cacheTtl());
    }

    @Bean
    @ConditionalOnMissingBean(AuditSink.class)
    AuditSink aiTenancyAuditSink(AiTenancyJdbc db) {
        return db.auditSink();
    }

    /** Keys encrypted under the master key; decrypted keys cached, and every decryption audited. */
    @Bean
    @ConditionalOnMissingBean(ProviderKeys.class)
    KeyStore aiTenancyKeyStore(AiTenancyJdbc db, AiTenancyProperties properties, ObjectProvider<SecretCipher> cipher,
            AuditSink audit, ObjectProvider<Clock> clock) {
        SecretCipher c = cipher.getIfAvailable(() -> SecretCipher.fromConfig(properties.masterKey() != null
                ? properties.masterKey() : System.getenv(SecretCipher.MASTER_KEY_ENV)));
        return new CachingKeyStore(db.keyStore(c), properties.keys().cacheTtl(), AiTenancyAutoConfiguration.clock(clock),
                read -> audit.record(AuditEvent.of(read)));
    }

    @Bean
    @ConditionalOnMissingBean(ModelCatalog.class)
    JdbcModelCatalog aiTenancyModelCatalog(AiTenancyJdbc db, ModelRegistry registry, TierPlan plan) {
        return db.modelCatalog(registry, plan);
    }

    @Bean
    @ConditionalOnMissingBean(RateLimiter.class)
    JdbcRateLimiter aiTenancyRateLimiter(AiTenancyJdbc db, AiTenancyProperties properties) {
        return db.rateLimiter(properties.rateLimit().toPolicy());
    }

    /** Written in batches on its own thread; closed on shutdown, which writes everything queued. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(UsageSink.class)
    JdbcUsageSink aiTenancyUsageSink(AiTenancyJdbc db) {
        return db.usageSink();
    }

    @Bean(destroyMethod = "close") // its budget leases give back what they have not lent
    @ConditionalOnMissingBean(BudgetLedger.class)
    JdbcBudgetLedger aiTenancyBudgetLedger(AiTenancyJdbc db, BudgetAlertListener listener) {
        return db.budgetLedger(listener);
    }

    @Bean
    @ConditionalOnMissingBean(FeatureFlags.class)
    FeatureFlagStore aiTenancyFeatureFlags(AiTenancyJdbc db) {
        return db.featureFlags();
    }

    @Bean
    @ConditionalOnMissingBean(Templates.class)
    TemplateStore aiTenancyTemplateStore(AiTenancyJdbc db) {
        return db.templateStore();
    }

    @Bean
    @ConditionalOnMissingBean
    ConversationStore aiTenancyConversationStore(AiTenancyJdbc db) {
        return db.conversationStore();
    }

    @Bean
    @ConditionalOnMissingBean(Guardrails.class)
    GuardrailStore aiTenancyGuardrailStore(AiTenancyJdbc db) {
        return db.guardrailStore();
    }

    @Bean
    @ConditionalOnMissingBean(UsageTextSettings.class)
    UsageTextSettings aiTenancyUsageTextSettings(AiTenancyJdbc db) {
        return db.usageTextSettings();
    }

    @Bean
    @ConditionalOnMissingBean(Preferences.class)
    PreferenceStore aiTenancyPreferenceStore(AiTenancyJdbc db) {
        return db.preferenceStore();
    }

    /** The periods the maintenance jobs finished, shared by every instance. */
    @Bean
    @ConditionalOnMissingBean(JobRuns.class)
    JobRuns aiTenancyJobRuns(AiTenancyJdbc db) {
        return db.jobRuns();
    }

    /** The maintenance jobs' lock: ShedLock in {@code ai_shedlock} of the same database, on its clock. */
    @Bean
    @ConditionalOnMissingBean(JobLock.class)
    JobLock aiTenancyJobLock(DataSource dataSource) {
        return JobLock.shedLock(dataSource, AiTenancyJdbc.LOCK_TABLE);
    }
}
