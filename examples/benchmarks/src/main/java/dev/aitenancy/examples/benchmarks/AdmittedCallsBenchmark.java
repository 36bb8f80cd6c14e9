package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.FinishReason;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.tenant.Caller;
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

    /** {@code memory}, {@code h2} or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"memory", "h2"})
    public String store;

    private GovernedSetup setup;
    private LLMJob llm;
    private final AtomicLong n = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() {
        setup = GovernedSetup.open(store, 4, "bench", "summaries");
        llm = setup.builder().provider(new InstantProvider()).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        setup.close();
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
