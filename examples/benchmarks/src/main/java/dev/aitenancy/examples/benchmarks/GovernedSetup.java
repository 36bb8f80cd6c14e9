package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.LLMJob;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcRateLimiter;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryFeatureFlags;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageSink;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The governed setup the benchmarks and the load harness share: every check on, in memory or on a
 * fresh H2 / PostgreSQL database (the README's JDBC setup: config cache 5 s, cached keys,
 * {@code JdbcUsageSink}), 100 orgs of 10 users, each with its own verified OpenAI key, one allowed
 * default model capped at 500 output tokens, a feature switched on, a hard org budget and hard user
 * budgets, and guardrails (a global input filter; per org a token limit of 8,000 in and 400 out,
 * an output PII filter and an output modifier). Limits are generous, so nothing is refused.
 *
 * @param builder the job's builder with every store set; the caller adds its provider
 * @param usage   the usage sink
 * @param limiter the rate limiter
 * @param db      the database, or null in memory
 */
public record GovernedSetup(LLMJob.Builder builder, UsageSink usage, RateLimiter limiter, BudgetStore ledger,
        Databases.Opened db)
        implements AutoCloseable {

    public static final int ORGS = 100;
    public static final int USERS_PER_ORG = 10;
    public static final ModelRef MODEL = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");

    /**
     * @param store          {@code memory}, {@code h2} or {@code postgresql}
     * @param poolSize       the database pool's connections
     * @param prefix         names the database, its pool and the planted keys
     * @param feature        the feature switched on for every org
     */
    public static GovernedSetup open(String store, int poolSize, String prefix, String feature) {
        Clock clock = Clock.systemUTC();
        RateLimitPolicy generous = new RateLimitPolicy(1_000_000, 1_000_000, 1_000_000)
                .withTokensPerMinute(1_000_000_000L, 1_000_000_000L);
        Databases.Opened db = null;
        KeyStore keys;
        ModelCatalog catalog;
        ModelAdmin admin;
        RateLimiter limiter;
        BudgetStore ledger;
        GuardrailStore guardrails;
        FeatureFlagStore flags;
        UsageSink usage;
        if (store.equals("memory")) {
            keys = new InMemoryKeyStore();
            InMemoryModelCatalog models = new InMemoryModelCatalog(ModelRegistry.builtIn(),
                    TierPlan.byListPrice(ModelRegistry.builtIn()));
            catalog = models;
            admin = models;
            limiter = new InMemoryRateLimiter(clock, generous);
            ledger = new InMemoryBudgetLedger(clock, BudgetAlertListener.NONE);
            guardrails = new InMemoryGuardrailStore();
            flags = new InMemoryFeatureFlags();
            usage = new InMemoryUsageSink();
        } else {
            db = Databases.open(store, poolSize, prefix);
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource()).withConfigCache(Duration.ofSeconds(5));
            keys = new CachingKeyStore(jdbc.keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key())),
                    CachingKeyStore.DEFAULT_TTL, clock, read -> { });
            var models = jdbc.modelCatalog(ModelRegistry.builtIn());
            catalog = models;
            admin = models;
            limiter = jdbc.rateLimiter(generous);
            ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
            guardrails = jdbc.guardrailStore();
            flags = jdbc.featureFlags();
            usage = jdbc.usageSink();
        }
        setBudgets(ledger);
        guardrails.save(Guardrail.global("no secrets", GuardrailRule.ContentFilter.input(List.of("password"),
                List.of()), GuardrailAction.BLOCK));
        for (int o = 0; o < ORGS; o++) {
            OrgId org = OrgId.of("org-" + o);
            keys.put(org, ProviderId.OPENAI, ApiKey.of("sk-" + prefix + "-" + o + "-0000000000000000000000"), prefix);
            keys.markVerified(org, ProviderId.OPENAI, Instant.now());
            admin.allow(org, MODEL, 500).setDefault(org, MODEL).setDefaultProvider(org, ProviderId.OPENAI);
            flags.set(org, feature, true);
            guardrails.save(Guardrail.forOrg(org, "caps", new GuardrailRule.TokenLimit(8_000L, 400),
                    GuardrailAction.BLOCK));
            guardrails.save(Guardrail.forOrg(org, "pii", GuardrailRule.ContentFilter.output(List.of(),
                    List.of("\\b\\d{3}-\\d{2}-\\d{4}\\b")), GuardrailAction.MODIFY));
            guardrails.save(Guardrail.forOrg(org, "disclaimer", GuardrailRule.OutputModifier.append(" (AI)"),
                    GuardrailAction.MODIFY));
        }
        LLMJob.Builder builder = LLMJob.builder().keyStore(keys).modelCatalog(catalog).rateLimiter(limiter)
                .budgetLedger(ledger).guardrails(guardrails).featureFlags(flags).usageSink(usage);
        return new GovernedSetup(builder, usage, limiter, ledger, db);
    }

    /** A hard monthly budget of each org and a hard daily budget of each of its users, too high to refuse. */
    public static void setBudgets(BudgetStore ledger) {
        for (int o = 0; o < ORGS; o++) {
            OrgId org = OrgId.of("org-" + o);
            ledger.setBudget(Budget.hard(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY,
                    new BigDecimal("1000000")));
            for (int u = 0; u < USERS_PER_ORG; u++) {
                ledger.setBudget(Budget.hard(org, Budget.Scope.USER, "user-" + u, Budget.Period.DAILY,
                        new BigDecimal("1000000")));
            }
        }
    }

    /**
     * Writes what the usage sink holds, applies the limiter's queued token corrections, gives back the
     * ledger's unlent lease money, then closes the database, in that order (the stores' threads must
     * be done before the pool goes).
     */
    @Override
    public void close() {
        if (usage instanceof JdbcUsageSink sink) {
            sink.close();
        }
        if (limiter instanceof JdbcRateLimiter l) {
            l.close();
        }
        if (ledger instanceof dev.aitenancy.jdbc.JdbcBudgetLedger b) {
            b.close(); // its budget leases give back what they have not lent
        }
        if (db != null) {
            db.close();
        }
    }
}
