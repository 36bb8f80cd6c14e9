package dev.aitenancy.provider;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.silence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.CanceledException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.JobRequest;
import dev.aitenancy.LLMJob;
import dev.aitenancy.ProviderException;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blocking {@link LLMJob#run} runs the provider exchange on the calling thread (no hand-off to a
 * pool and back), and keeps the blocking API's contract: an interrupt of the caller cancels the call
 * and is recorded as canceled, a deadline ends it as a timeout without leaving the thread interrupted.
 */
class BlockingCallThreadTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final String ANSWER = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":"
            + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}";

    final LoopbackServer server = LoopbackServer.start();
    final ExecutorService pool = Executors.newFixedThreadPool(2);
    final AtomicInteger handedOff = new AtomicInteger();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final LLMJob job;

    BlockingCallThreadTest() {
        InMemoryKeyStore keys = new InMemoryKeyStore();
        InMemoryModelCatalog catalog = new InMemoryModelCatalog();
        catalog.allow(ACME, MINI).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-blocking000111222333444"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        Executor counting = task -> {
            handedOff.incrementAndGet();
            pool.execute(task);
        };
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri(""))
                        .retryPolicy(RetryPolicy.NONE).executor(counting).build()))
                .build();
    }

    @AfterEach
    void stop() {
        server.close();
        pool.shutdownNow();
    }

    List<UsageRecord> records() {
        return usage.query(UsageQuery.of(ACME)).records();
    }

    @Test
    void aBlockingCallRunsTheExchangeOnItsOwnThreadAndAnAsyncOneHandsItOff() throws Exception {
        server.otherwise(req -> json(200, ANSWER));

        assertThat(job.run("hello", ACME, java.util.Map.of()).text()).isEqualTo("hi");
        assertThat(handedOff.get()).as("attempts handed to the provider executor by run()").isZero();

        CompletableFuture<dev.aitenancy.JobResult> async = job.runAsync(JobRequest.builder(ACME, "hello").build());
        assertThat(async.get(5, TimeUnit.SECONDS).text()).isEqualTo("hi");
        assertThat(handedOff.get()).as("runAsync holds the caller for nothing").isEqualTo(1);
    }

    @Test
    void interruptingTheCallerCancelsTheCallAndRecordsIt() throws Exception {
        server.otherwise(req -> silence());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                job.run(JobRequest.builder(ACME, "hello").timeout(Duration.ofSeconds(30)).build());
            } catch (RuntimeException e) {
                thrown.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        LogCapture.quietly(() -> {
            caller.start();
            while (server.requests().isEmpty()) {
                Thread.sleep(5);
            }
            long start = System.nanoTime();
            caller.interrupt();
            caller.join(5_000);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        });

        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOfSatisfying(CanceledException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.AI_CANCELED));
        assertThat(stillInterrupted.get()).as("the interrupt is kept for the caller").isTrue();
        assertThat(records()).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(UsageStatus.CANCELED));
        assertThat(handedOff.get()).isZero();
    }

    @Test
    void aDeadlineEndsTheCallOnTimeAndLeavesTheCallerNotInterrupted() throws Exception {
        server.otherwise(req -> silence());
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        LogCapture.quietly(() -> {
            long start = System.nanoTime();
            assertThatThrownBy(() -> job.run(JobRequest.builder(ACME, "hello").timeout(Duration.ofMillis(300))
                    .build())).isInstanceOfSatisfying(ProviderException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT));
            interruptedAfter.set(Thread.interrupted());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_300));
        });

        assertThat(interruptedAfter.get()).as("the deadline's interrupt of the exchange is not left behind").isFalse();
        assertThat(records()).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(UsageStatus.ERROR));
    }
}
