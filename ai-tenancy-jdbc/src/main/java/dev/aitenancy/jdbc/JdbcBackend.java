package dev.aitenancy.jdbc;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.template.Templates;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageTextPolicy;
import java.time.Clock;

/**
 * The JDBC parts of an {@link AiTenancy} setup (see {@link AiTenancyJdbc#setup}): keys encrypted
 * with the master key and cached for {@link CachingKeyStore#DEFAULT_TTL} with every decryption
 * audited, the catalog on the built-in model registry, the default rate-limit policy, and the
 * other stores of {@link AiTenancyJdbc}.
 */
final class JdbcBackend implements AiTenancy.Backend {

    private final AiTenancyJdbc db;
    private final SecretCipher cipher;
    private final Clock clock;

    JdbcBackend(AiTenancyJdbc db, SecretCipher cipher, Clock clock) {
        this.db = db;
        this.cipher = cipher;
        this.clock = clock;
    }

    @Override
    public AuditSink auditSink() {
        return db.auditSink();
    }

    @Override
    public KeyStore keyStore(AuditSink audit) {
        return new CachingKeyStore(db.keyStore(cipher), CachingKeyStore.DEFAULT_TTL, clock,
                read -> audit.record(AuditEvent.of(read)));
    }

    @Override
    public AiTenancy.Models models() {
        return AiTenancy.Models.of(db.modelCatalog(ModelRegistry.builtIn()));
    }

    @Override
    public RateLimiter rateLimiter() {
        return db.rateLimiter(RateLimitPolicy.DEFAULT);
    }

    @Override
    public UsageSink usageSink() {
        return db.usageSink();
    }

    @Override
    public BudgetLedger budgets(BudgetAlertListener alerts) {
        return db.budgetLedger(alerts);
    }

    @Override
    public Guardrails guardrails() {
        return db.guardrailStore();
    }

    @Override
    public Templates templates() {
        return db.templateStore();
    }

    @Override
    public FeatureFlags featureFlags() {
        return db.featureFlags();
    }

    @Override
    public UsageTextPolicy usageTextPolicy() {
        return db.usageTextSettings();
    }

    @Override
    public ConversationStore conversations() {
        return db.conversationStore();
    }

    @Override
    public PreferenceStore preferences() {
        return db.preferenceStore();
    }
}
