package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.jdbc.AiTenancyJdbc;
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
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A governed call with every check on, through the library's real OpenAI client pointed at the
 * stand-in: a feature flag, the org's allowed default model, rate limits per user, IP and org and
 * tokens per minute for user and org, a hard org and a hard user budget, a global content filter,
 * and per org a token limit, an output PII filter and an output modifier, the org's own key, and a
 * started and a finished usage record. Limits are generous, so nothing is refused.
 *
 * <p>{@code memory} uses the in-memory SPIs. {@code h2} and {@code postgresql} are the README's
 * JDBC setup: {@code AiTenancyJdbc.create(dataSource).withConfigCache(5 s)}, keys through
 * {@link CachingKeyStore}, usage through {@link JdbcUsageSink}, on a HikariCP pool.
 */
final class GovernedJob implements Subject {

    private static final ModelRef MODEL = ModelRef.of(ProviderId.OPENAI, StandInServer.MODEL);

    private final String store;
    private final LoadDatabase db;
    private final UsageSink usage;
    private final LLMJob llm;
    private boolean closed;

    private GovernedJob(String store, LoadDatabase db, UsageSink usage, LLMJob llm) {
        this.store = store;
        this.db = db;
        this.usage = usage;
        this.llm = llm;
    }

    /**
     * Sets up {@code store} ({@code memory}, {@code h2} or {@code postgresql}) with 100 orgs of 10
     * users, and checks once that a key check, a plain call and a stream go through.
     */
    static GovernedJob open(String store, URI standIn, int poolSize) {
        Clock clock = Clock.systemUTC();
        RateLimitPolicy generous = new RateLimitPolicy(1_000_000, 1_000_000, 1_000_000)
                .withTokensPerMinute(1_000_000_000L, 1_000_000_000L);
        LoadDatabase db = null;
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
            db = LoadDatabase.open(store, poolSize);
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
        guardrails.save(Guardrail.global("no secrets", GuardrailRule.ContentFilter.input(List.of("password"),
                List.of()), GuardrailAction.BLOCK));
        for (int o = 0; o < Workload.ORGS; o++) {
            OrgId org = OrgId.of("org-" + o);
            keys.put(org, ProviderId.OPENAI, ApiKey.of("sk-load-" + o + "-0000000000000000000000"), "load");
            keys.markVerified(org, ProviderId.OPENAI, Instant.now());
            admin.allow(org, MODEL, 500).setDefault(org, MODEL).setDefaultProvider(org, ProviderId.OPENAI);
            flags.set(org, Workload.FEATURE, true);
            ledger.setBudget(Budget.hard(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY,
                    new BigDecimal("1000000")));
            for (int u = 0; u < Workload.USERS_PER_ORG; u++) {
                ledger.setBudget(Budget.hard(org, Budget.Scope.USER, "user-" + u, Budget.Period.DAILY,
                        new BigDecimal("1000000")));
            }
            guardrails.save(Guardrail.forOrg(org, "caps",
                    new GuardrailRule.TokenLimit(8_000L, Workload.MAX_OUTPUT_TOKENS), GuardrailAction.BLOCK));
            guardrails.save(Guardrail.forOrg(org, "pii", GuardrailRule.ContentFilter.output(List.of(),
                    List.of("\\b\\d{3}-\\d{2}-\\d{4}\\b")), GuardrailAction.MODIFY));
            guardrails.save(Guardrail.forOrg(org, "disclaimer", GuardrailRule.OutputModifier.append(" (AI)"),
                    GuardrailAction.MODIFY));
        }
        OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(standIn).build());
        LLMJob llm = LLMJob.builder().keyStore(keys).modelCatalog(catalog).rateLimiter(limiter).budgetLedger(ledger)
                .guardrails(guardrails).featureFlags(flags).usageSink(usage).provider(openai).build();
        GovernedJob job = new GovernedJob(store, db, usage, llm);
        try {
            job.smokeTest();
        } catch (RuntimeException e) {
            job.closeQuietly();
            throw e;
        }
        return job;
    }

    /** A key check, a plain call and a stream, each once, before anything is measured. */
    private void smokeTest() {
        try {
            llm.verifyKey(ProviderId.OPENAI, ApiKey.of("sk-load-check-0000000000000000000000"))
                    .get(30, TimeUnit.SECONDS);
            JobResult plain = llm.run(Workload.request(0));
            if (!plain.text().endsWith(" (AI)")) {
                throw new IllegalStateException("the output modifier did not apply: " + plain.text());
            }
            StringBuilder tokens = new StringBuilder();
            JobRequest request = Workload.request(1);
            JobResult streamed = llm.stream(request, event -> {
                if (event instanceof JobEvent.Token t) {
                    tokens.append(t.text());
                }
            }).completion().get(30, TimeUnit.SECONDS);
            if (tokens.length() == 0 || streamed.usage().outputTokens() == null) {
                throw new IllegalStateException("the stream brought no tokens or no usage: " + streamed);
            }
        } catch (Exception e) {
            throw new IllegalStateException(store + ": the smoke test against the stand-in failed", e);
        }
    }

    /** Calls the smoke test made (one plain, one streamed) that leave a usage record. */
    static int smokeCalls() {
        return 2;
    }

    @Override
    public String name() {
        return store;
    }

    /** The job, for workloads other than {@link Subject}'s (streams). */
    LLMJob llm() {
        return llm;
    }

    @Override
    public void call(long i) {
        JobResult r = llm.run(Workload.request(i));
        if (r.text() == null) {
            throw new IllegalStateException("no text in " + r);
        }
    }

    @Override
    public CompletableFuture<?> callAsync(long i) {
        return llm.runAsync(Workload.request(i));
    }

    @Override
    public void settle() {
        if (usage instanceof JdbcUsageSink sink && !sink.flush(Duration.ofSeconds(120))) {
            throw new IllegalStateException(store + ": the usage writer did not drain within 120 s");
        }
    }

    /**
     * Closes the usage sink (writing everything queued) and counts the stored records by status.
     *
     * @return e.g. {@code {ok=123456}}; every call that succeeded must be there as {@code ok}
     */
    Map<String, Long> closeAndCount() {
        if (closed) {
            throw new IllegalStateException(store + " is closed");
        }
        closed = true;
        try {
            Map<String, Long> counts = new TreeMap<>();
            if (usage instanceof JdbcUsageSink sink) {
                sink.close();
                if (sink.droppedRecords() > 0 || sink.rejectedRecords() > 0) {
                    counts.put("dropped", sink.droppedRecords());
                    counts.put("rejected", sink.rejectedRecords());
                }
                try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT status, COUNT(*) FROM ai_generations GROUP BY status")) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), rs.getLong(2));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(store + ": counting usage records failed", e);
                }
            } else if (usage instanceof InMemoryUsageSink sink) {
                for (int o = 0; o < Workload.ORGS; o++) {
                    for (UsageStatus status : UsageStatus.values()) {
                        long n = sink.totals(UsageQuery.of(OrgId.of("org-" + o)).withStatus(status)).requests();
                        if (n > 0) {
                            counts.merge(status.wireName(), n, Long::sum);
                        }
                    }
                }
            }
            return counts;
        } finally {
            if (db != null) {
                db.close();
            }
        }
    }

    private void closeQuietly() {
        try {
            closeAndCount();
        } catch (RuntimeException ignored) {
            // already failing
        }
    }
}
