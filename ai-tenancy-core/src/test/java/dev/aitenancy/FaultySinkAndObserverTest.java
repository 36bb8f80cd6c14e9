package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageTotals;
import java.io.Writer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault suite (issue 11), in memory: a usage sink or a call observer that fails or is slow never
 * hangs a call and never hands the caller anything but a result or an {@link AiTenancyException}.
 *
 * <p>Every scenario fires the same mix through {@code run}, {@code runAsync} and {@code stream}:
 * {@value #EACH} calls the provider answers, {@value #EACH} it fails with a 500, {@value #EACH}
 * refused before the provider (the org has no key), per entry point; and counts the outcomes
 * exactly. A call that does not end within 10 s counts as {@code hung}; an exception that is not
 * an {@link AiTenancyException} counts as {@code raw:<class>}.
 */
class FaultySinkAndObserverTest {

    static final int EACH = 4;
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId NO_KEY = OrgId.of("initech");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final Duration BOUND = Duration.ofSeconds(10);
    static final String OK_BODY = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}";

    final LoopbackServer server = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(Clock.systemUTC(),
            dev.aitenancy.limits.BudgetAlertListener.NONE);
    final Budget budget = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100"));
    final ExecutorService callers = Executors.newCachedThreadPool();

    FaultySinkAndObserverTest() {
        catalog.register(new ModelSpec(MINI, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"),
                new BigDecimal("0.10")));
        catalog.allow(ACME, MINI, 100).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
        catalog.allow(NO_KEY, MINI, 100).setDefault(NO_KEY, MINI).setDefaultProvider(NO_KEY, ProviderId.OPENAI);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-faulty0000111122223333444"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        ledger.setBudget(budget);
        server.otherwise(req -> {
            if (req.body().contains("fail-")) {
                return json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
            }
            if (req.body().contains("\"stream\":true")) {
                return sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"fine\"},\"finish_reason\":null}]}\n\n",
                        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}\n\n",
                        "data: [DONE]\n\n");
            }
            return json(200, OK_BODY);
        });
    }

    @AfterEach
    void stop() {
        callers.shutdownNow();
        server.close();
    }

    LLMJob job(UsageLog sink, CallObserver observer) {
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(sink).observer(observer)
                .budgetLedger(ledger)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                        .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(5)).build()))
                .build();
    }

    /** What {@link #fire} expects when every provider-bound call got to the provider. */
    static Map<String, Integer> theMix() {
        return Map.of("ok", 3 * EACH, "AI_PROVIDER_UNAVAILABLE", 3 * EACH, "AI_CONFIG_MISSING_API_KEY", 3 * EACH);
    }

    @Test
    void aSinkWhoseFinishedThrowsLosesItsRecordsButEveryCallEndsWithItsOwnOutcome() throws Exception {
        ThrowingSink sink = new ThrowingSink(false, true);
        LLMJob job = job(sink, CallObserver.NONE);

        Map<String, Integer>[] outcomes = fireQuietly(job);

        assertThat(outcomes[0]).isEqualTo(theMix());
        assertThat(outcomes[1]).as("stream handlers: exactly one terminal event per stream")
                .isEqualTo(Map.of("done", EACH, "error", 2 * EACH));
        assertThat(sink.finishedCalls.get()).as("the sink was asked once per call").isEqualTo(9 * EACH);
        assertThat(sink.startedCalls.get()).as("started once per call that reached the provider").isEqualTo(6 * EACH);
        assertThat(server.requests()).hasSize(6 * EACH);
    }

    @Test
    void aSinkWhoseStartedThrowsRefusesEveryCallWithAStoreErrorAndNoProviderCall() throws Exception {
        ThrowingSink sink = new ThrowingSink(true, false);
        LLMJob job = job(sink, CallObserver.NONE);

        Map<String, Integer>[] outcomes = fireQuietly(job);

        assertThat(outcomes[0]).isEqualTo(Map.of("AI_STORE_UNAVAILABLE", 6 * EACH,
                "AI_CONFIG_MISSING_API_KEY", 3 * EACH));
        assertThat(outcomes[1]).isEqualTo(Map.of("error", 3 * EACH));
        assertThat(server.requests()).as("no call without a started record").isEmpty();
        assertThat(sink.finishedCalls.get()).as("each refused call still leaves its finished record").isEqualTo(9 * EACH);
        assertThat(sink.delegate.recent(ACME, 1000)).hasSize(6 * EACH)
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(UsageStatus.ERROR);
                    assertThat(r.errorCode()).isEqualTo("AI_STORE_UNAVAILABLE");
                    assertThat(r.errorMessage()).isEqualTo("could not record the start of the call for org acme: "
                            + "a store it needs failed or did not answer in time; try again shortly");
                });
        assertThat(ledger.spent(budget)).as("nothing was charged").isEqualByComparingTo("0");
    }

    @Test
    void anObserverThatThrowsChangesNoOutcomeAndLosesNoRecord() throws Exception {
        InMemoryUsageSink sink = new InMemoryUsageSink();
        AtomicInteger observed = new AtomicInteger();
        LLMJob job = job(sink, record -> {
            observed.incrementAndGet();
            throw new IllegalStateException("metrics registry closed");
        });

        Map<String, Integer>[] outcomes = fireQuietly(job);

        assertThat(outcomes[0]).isEqualTo(theMix());
        assertThat(outcomes[1]).isEqualTo(Map.of("done", EACH, "error", 2 * EACH));
        assertThat(observed.get()).isEqualTo(9 * EACH);
        assertThat(sink.recent(ACME, 1000)).hasSize(6 * EACH);
        assertThat(sink.recent(NO_KEY, 1000)).hasSize(3 * EACH);
        assertLedgerEqualsRecords(sink);
    }

    @Test
    void anObserverThatThrowsAnErrorChangesNoOutcomeAndLosesNoRecord() throws Exception {
        InMemoryUsageSink sink = new InMemoryUsageSink();
        LLMJob job = job(sink, record -> {
            throw new NoClassDefFoundError("io/micrometer/core/instrument/Timer"); // a host's classpath mismatch
        });

        Map<String, Integer>[] outcomes = fireQuietly(job);

        assertThat(outcomes[0]).isEqualTo(theMix());
        assertThat(outcomes[1]).isEqualTo(Map.of("done", EACH, "error", 2 * EACH));
        assertThat(sink.recent(ACME, 1000)).hasSize(6 * EACH);
        assertLedgerEqualsRecords(sink);
    }

    @Test
    void aSinkThatThrowsAnErrorRefusesCallsWithAStoreErrorAndNeverHangsOne() throws Exception {
        ThrowingSink sink = new ThrowingSink(true, true) {
            @Override
            RuntimeException failure() {
                throw new NoClassDefFoundError("org/postgresql/util/PSQLState"); // a host's broken classpath
            }
        };
        LLMJob job = job(sink, CallObserver.NONE);

        Map<String, Integer>[] outcomes = fireQuietly(job);

        assertThat(outcomes[0]).isEqualTo(Map.of("AI_STORE_UNAVAILABLE", 6 * EACH,
                "AI_CONFIG_MISSING_API_KEY", 3 * EACH));
        assertThat(outcomes[1]).isEqualTo(Map.of("error", 3 * EACH));
        assertThat(server.requests()).isEmpty();
        assertThat(ledger.spent(budget)).isEqualByComparingTo("0");
    }

    @Test
    void aSinkThatBlocksHoldsNoCallerForeverAndEveryCallIsRecordedOnceItLetsGo() throws Exception {
        BlockingSink sink = new BlockingSink();
        LLMJob job = job(sink, CallObserver.NONE);

        List<CompletableFuture<String>> calls = new ArrayList<>();
        List<CopyOnWriteArrayList<JobEvent>> streams = new ArrayList<>();
        Map<String, Integer>[] ended = newMaps();
        String log = LogCapture.quietly(() -> {
            startMix(job, calls, streams);
            // every call, refused or answered, waits in the sink: none has ended yet
            assertThat(sink.waiting.await(10, TimeUnit.SECONDS)).as("%s calls blocked in the sink", 9 * EACH)
                    .isTrue();
            assertThat(calls).filteredOn(CompletableFuture::isDone).isEmpty();
            sink.gate.countDown();
            ended[0] = outcomes(calls);
        });

        assertThat(ended[0]).isEqualTo(theMix());
        assertThat(terminalEvents(streams)).isEqualTo(Map.of("done", EACH, "error", 2 * EACH));
        assertThat(sink.recent(ACME, 1000)).hasSize(6 * EACH);
        assertThat(sink.recent(NO_KEY, 1000)).hasSize(3 * EACH);
        assertLedgerEqualsRecords(sink);
        assertThat(log).doesNotContain("Exception");
    }

    void assertLedgerEqualsRecords(UsageLog sink) {
        BigDecimal billed = sink.recent(ACME, 1000).stream().filter(r -> r.billed().isPriced())
                .map(r -> r.billed().amount()).reduce(BigDecimal.ZERO, BigDecimal::add);
        // 4 run + 4 runAsync answers of 10 in / 5 out at 0.40 / 1.60 per 1M, and 4 streams likewise
        assertThat(billed).isEqualByComparingTo(new BigDecimal("0.000012").multiply(BigDecimal.valueOf(3 * EACH)));
        assertThat(ledger.spent(budget)).isEqualByComparingTo(billed);
    }

    // ---- the mix -----------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static Map<String, Integer>[] newMaps() {
        return (Map<String, Integer>[]) new Map<?, ?>[2];
    }

    Map<String, Integer>[] fireQuietly(LLMJob job) throws Exception {
        List<CompletableFuture<String>> calls = new ArrayList<>();
        List<CopyOnWriteArrayList<JobEvent>> streams = new ArrayList<>();
        Map<String, Integer>[] out = newMaps();
        LogCapture.quietly(() -> {
            startMix(job, calls, streams);
            out[0] = outcomes(calls);
            out[1] = terminalEvents(streams);
        });
        return out;
    }

    /**
     * Starts the mix, each call from a thread of its own (a sink may block the caller's thread);
     * each call's outcome is a future of "ok", an error code, or "raw:<class>".
     */
    void startMix(LLMJob job, List<CompletableFuture<String>> calls, List<CopyOnWriteArrayList<JobEvent>> streams) {
        for (int i = 0; i < EACH; i++) {
            for (String what : List.of("ok-", "fail-", "nokey-")) {
                OrgId org = what.equals("nokey-") ? NO_KEY : ACME;
                JobRequest request = JobRequest.builder(org, what + i).build();
                calls.add(CompletableFuture.supplyAsync(() -> job.run(request), callers)
                        .handle(FaultySinkAndObserverTest::outcome));
                calls.add(CompletableFuture.supplyAsync(() -> job.runAsync(request), callers)
                        .thenCompose(f -> f).handle(FaultySinkAndObserverTest::outcome));
                CopyOnWriteArrayList<JobEvent> events = new CopyOnWriteArrayList<>();
                streams.add(events);
                calls.add(CompletableFuture.supplyAsync(() -> job.stream(request, events::add).completion(), callers)
                        .thenCompose(f -> f).handle(FaultySinkAndObserverTest::outcome));
            }
        }
    }

    static String outcome(JobResult r, Throwable failure) {
        if (failure == null) {
            return r != null && r.text().equals("fine") ? "ok" : "wrong result " + r;
        }
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return t instanceof AiTenancyException e ? e.code().name() : "raw:" + t.getClass().getName();
    }

    static Map<String, Integer> outcomes(List<CompletableFuture<String>> calls) throws InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        long deadline = System.nanoTime() + BOUND.toNanos();
        for (CompletableFuture<String> f : calls) {
            String o;
            try {
                o = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                o = "hung";
            } catch (ExecutionException e) {
                o = "raw:" + e.getCause().getClass().getName();
            }
            counts.merge(o, 1, Integer::sum);
        }
        return counts;
    }

    static Map<String, Integer> terminalEvents(List<CopyOnWriteArrayList<JobEvent>> streams) {
        Map<String, Integer> counts = new TreeMap<>();
        for (List<JobEvent> events : streams) {
            long done = events.stream().filter(JobEvent.Done.class::isInstance).count();
            long errors = events.stream().filter(JobEvent.Error.class::isInstance).count();
            String kind = done == 1 && errors == 0 ? "done" : errors == 1 && done == 0 ? "error"
                    : "done=" + done + " errors=" + errors;
            counts.merge(kind, 1, Integer::sum);
        }
        return counts;
    }

    // ---- faulty sinks ------------------------------------------------------------------------------

    /** An in-memory sink that counts, and throws from started() and/or finished() as told. */
    static class ThrowingSink extends DelegatingSink {
        final boolean throwOnStarted;
        final boolean throwOnFinished;
        final AtomicInteger startedCalls = new AtomicInteger();
        final AtomicInteger finishedCalls = new AtomicInteger();

        ThrowingSink(boolean throwOnStarted, boolean throwOnFinished) {
            this.throwOnStarted = throwOnStarted;
            this.throwOnFinished = throwOnFinished;
        }

        RuntimeException failure() {
            return new IllegalStateException("usage store is read-only (test)");
        }

        @Override
        public void started(UsageRecord record) {
            startedCalls.incrementAndGet();
            if (throwOnStarted) {
                throw failure();
            }
            delegate.started(record);
        }

        @Override
        public void finished(UsageRecord record) {
            finishedCalls.incrementAndGet();
            if (throwOnFinished) {
                throw failure();
            }
            delegate.finished(record);
        }
    }

    /** A sink whose finished() waits until the test opens the gate. */
    static class BlockingSink extends DelegatingSink {
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch waiting = new CountDownLatch(9 * EACH);

        @Override
        public void started(UsageRecord record) {
            delegate.started(record);
        }

        @Override
        public void finished(UsageRecord record) {
            waiting.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the gate was never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            delegate.finished(record);
        }
    }

    /** Queries go to an in-memory sink. */
    abstract static class DelegatingSink implements UsageLog {
        final InMemoryUsageSink delegate = new InMemoryUsageSink();

        @Override
        public UsagePage query(UsageQuery query) {
            return delegate.query(query);
        }

        @Override
        public UsageTotals totals(UsageQuery query) {
            return delegate.totals(query);
        }

        @Override
        public long export(UsageQuery query, ExportFormat format, Writer out) {
            return delegate.export(query, format, out);
        }

        @Override
        public long purge(OrgId org, Instant before) {
            return delegate.purge(org, before);
        }
    }
}
