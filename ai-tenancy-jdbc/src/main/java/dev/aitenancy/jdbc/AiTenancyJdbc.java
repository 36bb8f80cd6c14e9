package dev.aitenancy.jdbc;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The JDBC implementations of the ai-tenancy SPIs over one {@link DataSource} (H2 or PostgreSQL).
 * {@link #create(DataSource)} brings the {@code ai_} tables up to date with Flyway, in a history
 * table of their own ({@code ai_tenancy_schema_history}) so a host's own migrations are untouched.
 *
 * <pre>{@code
 * AiTenancyJdbc db = AiTenancyJdbc.create(dataSource);
 * KeyStore keys = db.keyStore(SecretCipher.fromEnvironment());
 * }</pre>
 */
public final class AiTenancyJdbc {

    /** The Flyway history table of ai-tenancy's migrations. */
    public static final String HISTORY_TABLE = "ai_tenancy_schema_history";
    /**
     * The lock table of the maintenance jobs, in ShedLock's schema ({@code name}, {@code lock_until},
     * {@code locked_at}, {@code locked_by}): give it to a ShedLock JDBC lock provider.
     */
    public static final String LOCK_TABLE = "ai_shedlock";

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final java.time.Duration configCacheTtl;
    /** Calls' budget leases, noted by the budget ledgers for the usage sinks' started records. */
    private final java.util.Map<java.util.UUID, String> leaseNotes;

    private AiTenancyJdbc(Jdbi jdbi, Dialect dialect, Clock clock, java.time.Duration configCacheTtl,
            java.util.Map<java.util.UUID, String> leaseNotes) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.configCacheTtl = configCacheTtl;
        this.leaseNotes = leaseNotes;
    }

    /**
     * The same database, with stores that reuse what calls read of an org's configuration for up
     * to {@code ttl}: model setup, guardrails, rate-limit policies, budget definitions, feature
     * flags, stored-text settings and AI preferences (e.g. 5 seconds: several queries fewer per
     * call). A change through a store applies at once to that store; a change through another store
     * or another instance applies within {@code ttl}. Counters, spend and keys are never cached here (keys
     * have {@link dev.aitenancy.keys.CachingKeyStore}); limits stay exact.
     */
    public AiTenancyJdbc withConfigCache(java.time.Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("the config cache lifetime must be >= 0");
        }
        return new AiTenancyJdbc(jdbi, dialect, clock, ttl, leaseNotes);
    }

    /**
     * A complete setup on {@code dataSource} in one statement: the schema migrated, every store on
     * the database (keys encrypted with {@code cipher} and cached with audited reads, the catalog on
     * the built-in registry, rate limits, budgets, guardrails, templates, feature flags, usage
     * records, audit log, text policy, conversations) with a config cache of 5 seconds, and the
     * {@code LLMJob} and admin facades wired to them. Any part can still be replaced on the builder.
     *
     * <pre>{@code
     * try (AiTenancy ai = AiTenancyJdbc.setup(dataSource, SecretCipher.fromEnvironment()).build()) { ... }
     * }</pre>
     */
    public static AiTenancy.Builder setup(DataSource dataSource, SecretCipher cipher) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(cipher, "cipher");
        return AiTenancy.builder(clock -> new JdbcBackend(create(dataSource, clock, true)
                .withConfigCache(java.time.Duration.ofSeconds(5)), cipher, clock));
    }

    /** Migrates the schema and returns the JDBC implementations on the system clock. */
    public static AiTenancyJdbc create(DataSource dataSource) {
        return create(dataSource, Clock.systemUTC(), true);
    }

    /**
     * @param migrate whether to run the migrations now (switch off when the host runs them itself
     *                with {@link #migrate(DataSource)} at another time)
     */
    public static AiTenancyJdbc create(DataSource dataSource, Clock clock, boolean migrate) {
        Objects.requireNonNull(dataSource, "dataSource");
        Dialect dialect = detect(dataSource);
        if (migrate) {
            migrate(dataSource, dialect);
        }
        return new AiTenancyJdbc(Jdbi.create(dataSource), dialect, Objects.requireNonNull(clock, "clock"),
                java.time.Duration.ZERO, new java.util.concurrent.ConcurrentHashMap<>());
    }

    /** Brings the {@code ai_} tables up to date; safe to run on every start and from several instances. */
    public static void migrate(DataSource dataSource) {
        migrate(dataSource, detect(dataSource));
    }

    private static void migrate(DataSource dataSource, Dialect dialect) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:dev/aitenancy/jdbc/migration/common",
                        "classpath:dev/aitenancy/jdbc/migration/" + dialect.folder())
                .table(HISTORY_TABLE)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    private static Dialect detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return Dialect.of(c.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null,
                    "cannot connect to the ai-tenancy database: " + e.getMessage(), e);
        }
    }

    /**
     * Provider keys, encrypted with {@code cipher} and bound to their org and provider. Checks at
     * once that {@code cipher} holds the master key the stored keys were encrypted with (a canary in
     * {@code ai_master_key_check}, written by the first store on an empty database); when the
     * migrations have not run yet, the check happens before the store's first read or write.
     *
     * @throws ConfigurationException {@code AI_CONFIG_INVALID} when the master key is not the one the
     *                                stored keys were encrypted with, saying what to do
     */
    public KeyStore keyStore(SecretCipher cipher) {
        JdbcKeyStore store = new JdbcKeyStore(jdbi, Objects.requireNonNull(cipher, "cipher"), clock);
        store.checkMasterKey();
        return store;
    }

    /**
     * Org model configuration over {@code registry} (limits and prices of known models), tiered by
     * list price ({@link TierPlan#byListPrice}).
     */
    public JdbcModelCatalog modelCatalog(ModelRegistry registry) {
        return modelCatalog(registry, TierPlan.byListPrice(registry));
    }

    /** Org model configuration over {@code registry} with the host's own tiers. */
    public JdbcModelCatalog modelCatalog(ModelRegistry registry, TierPlan plan) {
        return new JdbcModelCatalog(jdbi, registry, plan, clock, configCacheTtl);
    }

    /** Request limits exact across every instance sharing this database. */
    public JdbcRateLimiter rateLimiter(RateLimitPolicy defaults) {
        return new JdbcRateLimiter(jdbi, dialect, clock, defaults, configCacheTtl);
    }

    /**
     * Usage records: started ones written before the provider is called, finished ones in batches
     * by a background thread (queue of 10,000, batches of 200) together with the settlement of
     * their budget reservations from {@link #budgetLedger}; a 30 s instance lease. Close it on
     * shutdown so nothing queued is lost.
     */
    public JdbcUsageSink usageSink() {
        return usageSink(10_000, 200, java.time.Duration.ofSeconds(5));
    }

    /**
     * @param capacity     finished records held in memory at most
     * @param batchSize    records per transaction
     * @param offerTimeout how long a finished record waits for room in a full queue before it is
     *                     written on the calling thread
     */
    public JdbcUsageSink usageSink(int capacity, int batchSize, java.time.Duration offerTimeout) {
        return usageSink(capacity, batchSize, offerTimeout, java.time.Duration.ofSeconds(30));
    }

    /**
     * @param instanceLease how long this instance counts as alive after it last renewed its lease
     *                      (every third of it); a started call of an instance whose lease ran out is
     *                      settled as abandoned by another instance. At least 1 s.
     */
    public JdbcUsageSink usageSink(int capacity, int batchSize, java.time.Duration offerTimeout,
            java.time.Duration instanceLease) {
        return new JdbcUsageSink(jdbi, dialect, clock, capacity, batchSize, offerTimeout, instanceLease, leaseNotes);
    }

    /** The audit log of administrative actions and secret reads. */
    public JdbcAuditSink auditSink() {
        return new JdbcAuditSink(jdbi);
    }

    /**
     * Budgets exact across instances, reserved from leases (see {@link JdbcBudgetLedger}); a
     * reservation or lease of a crashed instance is released after 15 minutes. Close it on shutdown
     * so its leases' unused money goes back at once.
     */
    public JdbcBudgetLedger budgetLedger(dev.aitenancy.limits.BudgetAlertListener listener) {
        return budgetLedger(listener, java.time.Duration.ofMinutes(15));
    }

    /** As {@link #budgetLedger(dev.aitenancy.limits.BudgetAlertListener)} with its own reservation lifetime. */
    public JdbcBudgetLedger budgetLedger(dev.aitenancy.limits.BudgetAlertListener listener,
            java.time.Duration reservationTtl) {
        return budgetLedger(listener, reservationTtl, true);
    }

    /**
     * As {@link #budgetLedger(dev.aitenancy.limits.BudgetAlertListener, java.time.Duration)}, with
     * {@code leases} false reserving every call on its own in the database (one transaction per call,
     * nothing held beyond the calls in flight).
     */
    public JdbcBudgetLedger budgetLedger(dev.aitenancy.limits.BudgetAlertListener listener,
            java.time.Duration reservationTtl, boolean leases) {
        return new JdbcBudgetLedger(jdbi, dialect, clock, listener, reservationTtl, configCacheTtl, leaseNotes,
                leases);
    }

    /** Feature switches per org. */
    public JdbcFeatureFlags featureFlags() {
        return new JdbcFeatureFlags(jdbi, clock, configCacheTtl);
    }

    /** Guardrails, global and per org. */
    public dev.aitenancy.guardrails.GuardrailStore guardrailStore() {
        JdbcGuardrailStore store = new JdbcGuardrailStore(jdbi, clock);
        return configCacheTtl.isZero() ? store
                : new dev.aitenancy.guardrails.CachingGuardrailStore(store, configCacheTtl, clock);
    }

    /** Versioned prompt templates per org. */
    public JdbcTemplateStore templateStore() {
        return new JdbcTemplateStore(jdbi, clock);
    }

    /**
     * Conversations per org and user, with their messages (migration V16); appends to one
     * conversation are ordered and never interleave, across threads and instances.
     */
    public JdbcConversationStore conversationStore() {
        return new JdbcConversationStore(jdbi, clock);
    }

    /**
     * AI preferences of each org and each of its users (migration V19), read through the config
     * cache ({@link #withConfigCache}) when it has one.
     */
    public JdbcPreferenceStore preferenceStore() {
        return new JdbcPreferenceStore(jdbi, clock, configCacheTtl);
    }

    /** Per-org switches for storing prompt and answer text in usage records (on unless switched off). */
    public JdbcUsageTextSettings usageTextSettings() {
        return new JdbcUsageTextSettings(jdbi, clock, configCacheTtl);
    }

    /** The maintenance jobs' finished periods ({@code ai_job_runs}), shared by every instance. */
    public JdbcJobRuns jobRuns() {
        return new JdbcJobRuns(jdbi);
    }

    /** Re-encryption of all stored keys under {@code cipher}'s primary master key. */
    public KeyRotation keyRotation(SecretCipher cipher) {
        return new KeyRotation(jdbi, cipher, clock);
    }

    /** The Jdbi instance over the host's data source. */
    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public String toString() {
        return "AiTenancyJdbc[" + dialect + "]";
    }
}
