package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.FinishReason;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.TokenUsage;
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
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageSink;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Admitted calls per second through {@link LLMJob#run} with every check on: feature flag, model
 * resolution, four guardrails (global and org level), rate
 * limits per user, IP, org and tokens, org and user budgets, the org's key, and a started and a
 * finished usage record. On JDBC, keys are decrypted at most every 5 minutes and the org's
 * configuration is re-read at most every 5 seconds ({@code withConfigCache}), as a host runs it. The provider answers in-process at once, so the figure is the library's own
 * cost, not a provider's latency. 4 threads, 1,000 users in 100 orgs, limits high enough that
 * nothing is refused.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(4)
public class AdmittedCallsBenchmark {

    private static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");

    /** {@code memory}, {@code h2} or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"memory", "h2"})
    public String store;

    private Databases.Opened db;
    private UsageSink usage;
    private LLMJob llm;
    private final AtomicLong n = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() {
        Clock clock = Clock.systemUTC();
        RateLimitPolicy generous = new RateLimitPolicy(1_000_000, 1_000_000, 1_000_000)
                .withTokensPerMinute(1_000_000_000L, 1_000_000_000L);
        KeyStore keys;
        ModelCatalog catalog;
        ModelAdmin admin;
        RateLimiter limiter;
        BudgetStore ledger;
        GuardrailStore guardrails;
        if (store.equals("memory")) {
            keys = new InMemoryKeyStore();
            InMemoryModelCatalog models = new InMemoryModelCatalog(ModelRegistry.builtIn(),
                    dev.aitenancy.models.TierPlan.byListPrice(ModelRegistry.builtIn()));
            catalog = models;
            admin = models;
            limiter = new InMemoryRateLimiter(clock, generous);
            ledger = new InMemoryBudgetLedger(clock, BudgetAlertListener.NONE);
            guardrails = new InMemoryGuardrailStore();
            usage = new InMemoryUsageSink();
        } else {
            db = Databases.open(store);
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource()).withConfigCache(java.time.Duration.ofSeconds(5));
            keys = new CachingKeyStore(jdbc.keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key())),
                    CachingKeyStore.DEFAULT_TTL, clock, read -> { });
            var models = jdbc.modelCatalog(ModelRegistry.builtIn());
            catalog = models;
            admin = models;
            limiter = jdbc.rateLimiter(generous);
            ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
            guardrails = jdbc.guardrailStore();
            usage = jdbc.usageSink();
        }
        guardrails.save(Guardrail.global("no secrets", GuardrailRule.ContentFilter.input(List.of("password"),
                List.of()), GuardrailAction.BLOCK));
        for (int o = 0; o < 100; o++) {
            OrgId org = OrgId.of("org-" + o);
            keys.put(org, ProviderId.OPENAI, ApiKey.of("sk-bench-" + o + "-0000000000000000000000"), "bench");
            keys.markVerified(org, ProviderId.OPENAI, Instant.now());
            admin.allow(org, MINI, 500).setDefault(org, MINI).setDefaultProvider(org, ProviderId.OPENAI);
            ledger.setBudget(Budget.hard(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1000000")));
            for (int u = 0; u < 10; u++) {
                ledger.setBudget(Budget.hard(org, Budget.Scope.USER, "user-" + u, Budget.Period.DAILY,
                        new BigDecimal("1000000")));
            }
            guardrails.save(Guardrail.forOrg(org, "caps", new GuardrailRule.TokenLimit(8_000L, 400),
                    GuardrailAction.BLOCK));
            guardrails.save(Guardrail.forOrg(org, "pii", GuardrailRule.ContentFilter.output(List.of(),
                    List.of("\\b\\d{3}-\\d{2}-\\d{4}\\b")), GuardrailAction.MODIFY));
            guardrails.save(Guardrail.forOrg(org, "disclaimer", GuardrailRule.OutputModifier.append(" (AI)"),
                    GuardrailAction.MODIFY));
        }
        llm = LLMJob.builder().keyStore(keys).modelCatalog(catalog).rateLimiter(limiter).budgetLedger(ledger)
                .guardrails(guardrails).usageSink(usage).provider(new InstantProvider()).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (usage instanceof JdbcUsageSink sink) {
            sink.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Benchmark
    public JobResult admittedCall() {
        long i = n.incrementAndGet();
        return llm.run(JobRequest.builder("org-" + (i % 100), "Summarize {{topic}} in three bullets")
                .context(Map.of("topic", "ticket " + i))
                .caller(new Caller("user-" + (i / 100 % 10), java.util.Set.of(), "10.0.0." + (i % 250),
                        java.util.Set.of()))
                .build());
    }

    /** Answers every call at once, in-process, with known token counts. */
    static final class InstantProvider implements ProviderClient {
        @Override
        public ProviderId id() {
            return ProviderId.OPENAI;
        }

        @Override
        public CompletableFuture<ProviderResponse> call(ProviderRequest request) {
            return CompletableFuture.completedFuture(new ProviderResponse("- one\n- two\n- three",
                    TokenUsage.of(40, 12), FinishReason.STOP, "gpt-4.1-mini", "bench"));
        }

        @Override
        public ProviderStream stream(ProviderRequest request, ProviderStreamListener listener) {
            throw new UnsupportedOperationException("the benchmark does not stream");
        }

        @Override
        public CompletableFuture<Void> verify(ApiKey key) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
