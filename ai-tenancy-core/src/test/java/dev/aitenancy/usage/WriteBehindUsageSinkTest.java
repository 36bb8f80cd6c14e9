package dev.aitenancy.usage;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.Cost;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.ProviderException;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
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
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WriteBehindUsageSinkTest {

    static final OrgId ACME = OrgId.of("acme");
    static final String SECRET_TEXT = "the quarterly numbers sk-proj-PLANTED0000111122223333";
    static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    final List<WriteBehindUsageSink> sinks = new ArrayList<>();
    final List<CountDownLatch> gates = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        gates.forEach(CountDownLatch::countDown);
        LogCapture.quietly(() -> sinks.forEach(s -> s.close(Duration.ofSeconds(5))));
    }

    WriteBehindUsageSink.Builder builder(UsageSink delegate) {
        return WriteBehindUsageSink.builder(delegate).backoff(Duration.ofMillis(1), Duration.ofMillis(4));
    }

    WriteBehindUsageSink track(WriteBehindUsageSink sink) {
        sinks.add(sink);
        return sink;
    }

    static UsageRecord finished(int n) {
        return UsageRecord.builder(new UUID(0, n + 1L), ACME.value(), T0.plusMillis(n)).userId("u" + n)
                .status(UsageStatus.OK).billed(Cost.usd(new BigDecimal("0.0" + (n % 10 + 1))))
                .inputText(SECRET_TEXT).outputText(SECRET_TEXT).latency(Duration.ofMillis(5))
                .finishedAt(T0.plusMillis(n + 5)).build();
    }

    static int count(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static void assertNothingSecretIn(String log) {
        assertThat(log).doesNotContain("quarterly").doesNotContain("sk-proj").doesNotContain("PLANTED");
    }

    /** A reservation that remembers what it was settled at. */
    static final class Held implements BudgetReservation {
        final List<BigDecimal> settled = new CopyOnWriteArrayList<>();

        @Override
        public void settle(BigDecimal actualUsd) {
            settled.add(actualUsd);
        }
    }

    /**
     * An in-memory sink behind a test double: remembers the order records arrive in and the
     * reservations they bring, can wait at a gate, run slowly, or throw as told.
     */
    static class TestSink implements UsageSink {
        final InMemoryUsageSink memory = new InMemoryUsageSink();
        final List<UUID> arrived = Collections.synchronizedList(new ArrayList<>());
        final Map<UUID, BudgetReservation> reservations = new ConcurrentHashMap<>();
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch gate;

        @Override
        public void started(UsageRecord record) {
            memory.started(record);
        }

        @Override
        public void finished(UsageRecord record) {
            calls.incrementAndGet();
            entered.countDown();
            awaitGate();
            beforeWrite(record);
            memory.finished(record);
            arrived.add(record.id());
        }

        @Override
        public void finished(UsageRecord record, BudgetReservation reservation) {
            reservations.put(record.id(), reservation);
            UsageSink.super.finished(record, reservation); // settles, then stores
        }

        void beforeWrite(UsageRecord record) {
        }

        void awaitGate() {
            CountDownLatch g = gate;
            if (g == null) {
                return;
            }
            try {
                g.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    TestSink gated() {
        TestSink sink = new TestSink();
        sink.gate = new CountDownLatch(1);
        gates.add(sink.gate);
        return sink;
    }

    // ---- pass-through, order, drain ---------------------------------------------------------------

    @Test
    void startedIsWrittenOnTheCallersThreadAndItsFailureReachesTheCaller() {
        TestSink delegate = gated(); // finished() would wait: started() must not
        WriteBehindUsageSink sink = track(builder(delegate).build());
        UsageRecord start = UsageRecord.builder(UUID.randomUUID(), ACME.value(), T0).build();

        sink.started(start);

        assertThat(delegate.memory.find(ACME, start.id())).hasValue(start);
        WriteBehindUsageSink refusing = track(builder(new TestSink() {
            @Override
            public void started(UsageRecord record) {
                throw new IllegalStateException("billing service down");
            }
        }).build());
        assertThatThrownBy(() -> refusing.started(start)).hasMessage("billing service down");
    }

    @Test
    void finishedRecordsReachTheDelegateInTheOrderTheyWereGiven() {
        TestSink delegate = new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                if (record.id().getLeastSignificantBits() % 50 == 0) {
                    sleep(1); // let a backlog build
                }
            }
        };
        WriteBehindUsageSink sink = track(builder(delegate).build());
        List<UUID> given = new ArrayList<>();

        for (int i = 0; i < 2_000; i++) {
            UsageRecord r = finished(i);
            given.add(r.id());
            if (i % 3 == 0) {
                sink.finished(r, new Held());
            } else {
                sink.finished(r);
            }
        }
        assertThat(sink.close(Duration.ofSeconds(30))).isTrue();

        assertThat(delegate.arrived).containsExactlyElementsOf(given);
        assertThat(sink.written()).isEqualTo(2_000);
        assertThat(sink.queued() + sink.failed() + sink.dropped()).isZero();
    }

    @Test
    void closeDeliversEverythingQueuedFromManyThreads() throws Exception {
        TestSink delegate = new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                if (record.id().getLeastSignificantBits() % 500 == 0) {
                    sleep(2);
                }
            }
        };
        delegate.gate = new CountDownLatch(1); // nothing is delivered before close begins
        gates.add(delegate.gate);
        WriteBehindUsageSink sink = track(builder(delegate).build()); // default capacity: 10,000
        int threads = 8;
        int each = 1_250;

        Concurrently.run(threads, t -> {
            for (int i = 0; i < each; i++) {
                sink.finished(finished(t * each + i));
            }
        });
        assertThat(sink.queued()).as("all waiting when close begins").isEqualTo(10_000);
        delegate.gate.countDown();
        assertThat(sink.close(Duration.ofSeconds(60))).isTrue();

        assertThat(sink.written()).isEqualTo(10_000);
        assertThat(sink.queued()).isZero();
        assertThat(sink.dropped()).isZero();
        assertThat(sink.failed()).isZero();
        assertThat(delegate.calls.get()).isEqualTo(10_000);
        assertThat(delegate.memory.totals(UsageQuery.of(ACME)).requests()).isEqualTo(10_000);
        for (int t = 0; t < threads; t++) {
            long lo = t * each + 1L;
            long hi = lo + each;
            List<Long> mine = delegate.arrived.stream().map(UUID::getLeastSignificantBits)
                    .filter(n -> n >= lo && n < hi).toList();
            assertThat(mine).as("thread %s's records in its order", t).isSorted().hasSize(each);
        }
    }

    @Test
    void afterCloseFinishedIsPassedThroughOnTheCallersThread() throws Exception {
        TestSink delegate = new TestSink();
        WriteBehindUsageSink sink = track(builder(delegate).build());
        sink.finished(finished(1));
        assertThat(sink.close(Duration.ofSeconds(5))).isTrue();
        assertThat(sink.close(Duration.ofSeconds(5))).as("closing again").isTrue();

        Held held = new Held();
        sink.finished(finished(2), held);

        assertThat(delegate.arrived).containsExactly(finished(1).id(), finished(2).id());
        assertThat(held.settled).containsExactly(new BigDecimal("0.03"));
        assertThat(sink.written()).as("passed through, not counted").isEqualTo(1);
        WriteBehindUsageSink failing = track(builder(new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                throw new IllegalStateException("billing service down");
            }
        }).build());
        failing.close();
        assertThatThrownBy(() -> failing.finished(finished(3))).as("the delegate's failure reaches the caller")
                .hasMessage("billing service down");
    }

    @Test
    void theReservationReachesTheDelegateWithItsRecord() {
        TestSink delegate = new TestSink();
        WriteBehindUsageSink sink = track(builder(delegate).build());
        Held held = new Held();
        UsageRecord r = finished(4);

        sink.finished(r, held);
        sink.finished(finished(5));
        sink.close();

        assertThat(delegate.reservations).containsOnlyKeys(r.id());
        assertThat(delegate.reservations.get(r.id())).isSameAs(held);
        assertThat(held.settled).as("settled by the delegate, at what the record bills").containsExactly(
                new BigDecimal("0.05"));
        assertThat(delegate.memory.find(ACME, r.id())).hasValue(r);
    }

    // ---- a full queue -----------------------------------------------------------------------------

    @Test
    void aFullQueueDropsCountsAndSettlesExactlyWhatItCouldNotTake() throws Exception {
        TestSink delegate = gated();
        WriteBehindUsageSink sink = track(builder(delegate).capacity(10).offerTimeout(Duration.ZERO).build());
        List<Held> droppedHolds = new ArrayList<>();

        String log = LogCapture.quietly(() -> {
            sink.finished(finished(0));
            assertThat(delegate.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds record 0
            for (int i = 1; i <= 10; i++) {
                sink.finished(finished(i), new Held());
            }
            assertThat(sink.dropped()).isZero();
            for (int i = 11; i <= 15; i++) {
                Held held = new Held();
                droppedHolds.add(held);
                sink.finished(finished(i), held);
            }
            assertThat(sink.dropped()).isEqualTo(5);
            assertThat(sink.queued()).isEqualTo(11);

            delegate.gate.countDown();
            awaitQueued(sink, 9); // two written: the writer has taken a record from the queue since it was full
            sink.finished(finished(16)); // room again: the burst ends
            assertThat(sink.close(Duration.ofSeconds(10))).isTrue();
        });

        assertThat(sink.written()).isEqualTo(12);
        assertThat(sink.dropped()).isEqualTo(5);
        assertThat(sink.failed()).isZero();
        assertThat(sink.queued()).isZero();
        assertThat(delegate.arrived).hasSize(12).doesNotContain(finished(11).id(), finished(15).id());
        assertThat(droppedHolds).as("a dropped record's reservation is settled at what it bills")
                .allSatisfy(h -> assertThat(h.settled).hasSize(1));
        assertThat(droppedHolds.get(0).settled).containsExactly(new BigDecimal("0.02"));
        assertThat(count(log, "WARN")).as("one warning for the burst:\n%s", log).isEqualTo(1);
        assertThat(log).contains("queue full (10 records)").contains("(1 dropped in all)")
                .contains("accepts finished records again after dropping 5");
        assertNothingSecretIn(log);
    }

    @Test
    void aCallerWaitsForRoomUpToTheOfferTimeout() throws Exception {
        TestSink delegate = gated();
        WriteBehindUsageSink sink = track(builder(delegate).capacity(1).offerTimeout(Duration.ofSeconds(20))
                .build());
        sink.finished(finished(0));
        assertThat(delegate.entered.await(10, TimeUnit.SECONDS)).isTrue();
        sink.finished(finished(1)); // fills the queue

        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> sink.finished(finished(2)));
        Thread.sleep(100);
        assertThat(third).as("waiting for room").isNotDone();
        delegate.gate.countDown();
        third.get(10, TimeUnit.SECONDS);
        sink.close();

        assertThat(delegate.arrived).containsExactly(finished(0).id(), finished(1).id(), finished(2).id());
        assertThat(sink.dropped()).isZero();

        TestSink stuck = gated();
        WriteBehindUsageSink impatient = track(builder(stuck).capacity(1).offerTimeout(Duration.ofMillis(50))
                .build());
        String log = LogCapture.quietly(() -> {
            impatient.finished(finished(0));
            assertThat(stuck.entered.await(10, TimeUnit.SECONDS)).isTrue();
            impatient.finished(finished(1));
            long t0 = System.nanoTime();
            impatient.finished(finished(2));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(45));
        });
        assertThat(impatient.dropped()).isEqualTo(1);
        assertThat(log).contains("WARN").contains("for 50 ms");
    }

    // ---- a failing delegate -----------------------------------------------------------------------

    @Test
    void aDelegateThatFailsSomeTimesThenRecoversDeliversEverythingInOrder() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(4);
        TestSink delegate = new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("503 from billing for " + record.inputText());
                }
            }
        };
        WriteBehindUsageSink sink = track(builder(delegate).attempts(5).build());
        List<UUID> given = new ArrayList<>();

        String log = LogCapture.quietly(() -> {
            for (int i = 0; i < 20; i++) {
                given.add(finished(i).id());
                sink.finished(finished(i), new Held());
            }
            assertThat(sink.close(Duration.ofSeconds(10))).isTrue();
        });

        assertThat(delegate.arrived).containsExactlyElementsOf(given);
        assertThat(sink.written()).isEqualTo(20);
        assertThat(sink.failed()).isZero();
        assertThat(delegate.calls.get()).isEqualTo(24);
        assertThat(log).doesNotContain("WARN").contains("attempt 1 of 5").contains("attempt 4 of 5");
        assertNothingSecretIn(log);
    }

    @Test
    void aPoisonRecordIsCountedAsFailedAndTheRecordsBehindItAreDelivered() throws Exception {
        UsageRecord poison = finished(5);
        TestSink delegate = new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                if (record.id().equals(poison.id())) {
                    throw new IllegalArgumentException("cannot bill " + record.inputText());
                }
            }
        };
        WriteBehindUsageSink sink = track(builder(delegate).attempts(3).build());
        Held poisonHold = new Held();

        String log = LogCapture.quietly(() -> {
            for (int i = 0; i < 12; i++) {
                if (i == 5) {
                    sink.finished(poison, poisonHold);
                } else {
                    sink.finished(finished(i));
                }
            }
            assertThat(sink.close(Duration.ofSeconds(10))).isTrue();
        });

        assertThat(sink.failed()).isEqualTo(1);
        assertThat(sink.written()).isEqualTo(11);
        assertThat(sink.queued()).isZero();
        assertThat(delegate.arrived).hasSize(11).doesNotContain(poison.id());
        assertThat(delegate.calls.get()).as("3 attempts for the poison record").isEqualTo(11 + 3);
        assertThat(poisonHold.settled).as("settled by the delegate's default before it threw, then again here "
                + "(idempotent)").containsOnly(new BigDecimal("0.06"));
        assertThat(count(log, "WARN")).as(log).isEqualTo(1);
        assertThat(log).contains("could not deliver finished record " + poison.id() + " of org acme after 3 attempts "
                + "(java.lang.IllegalArgumentException)").contains("delivers finished records again after 1 failed");
        assertNothingSecretIn(log);
    }

    @Test
    void aDelegateThatAlwaysFailsLogsOneWarningForTheRun() throws Exception {
        TestSink delegate = new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                throw new NoClassDefFoundError("com/billing/Client");
            }
        };
        WriteBehindUsageSink sink = track(builder(delegate).attempts(2).build());

        String log = LogCapture.quietly(() -> {
            for (int i = 0; i < 10; i++) {
                sink.finished(finished(i));
            }
            assertThat(sink.close(Duration.ofSeconds(10))).isTrue();
        });

        assertThat(sink.failed()).isEqualTo(10);
        assertThat(sink.written()).isZero();
        assertThat(count(log, "WARN")).as(log).isEqualTo(1);
        assertNothingSecretIn(log);
    }

    @Test
    void closeGivesUpAfterItsTimeoutDroppingAndSettlingWhatIsStillQueued() throws Exception {
        TestSink delegate = gated();
        WriteBehindUsageSink sink = track(builder(delegate).build());
        List<Held> holds = new ArrayList<>();
        boolean[] drained = new boolean[1];

        String log = LogCapture.quietly(() -> {
            sink.finished(finished(0));
            assertThat(delegate.entered.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 3; i++) {
                Held h = new Held();
                holds.add(h);
                sink.finished(finished(i), h);
            }
            drained[0] = sink.close(Duration.ofMillis(100));
        });

        assertThat(drained[0]).isFalse();
        assertThat(sink.dropped()).isEqualTo(3);
        assertThat(sink.queued()).as("the record the delegate is busy with").isEqualTo(1);
        assertThat(holds).allSatisfy(h -> assertThat(h.settled).hasSize(1));
        assertThat(count(log, "WARN")).as(log).isEqualTo(1);
        assertThat(log).contains("dropped 3 queued finished records, 1 still with the delegate");

        delegate.gate.countDown();
        awaitQueued(sink, 0);
        assertThat(sink.written()).isEqualTo(1);
        assertThat(sink.queued()).isZero();
        assertThat(delegate.arrived).containsExactly(finished(0).id());
    }

    @Test
    void theBuilderRefusesNonsense() {
        TestSink delegate = new TestSink();
        assertThatThrownBy(() -> WriteBehindUsageSink.builder(delegate).capacity(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WriteBehindUsageSink.builder(delegate).attempts(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WriteBehindUsageSink.builder(delegate).offerTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WriteBehindUsageSink.builder(delegate)
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        WriteBehindUsageSink sink = track(WriteBehindUsageSink.builder(delegate).build());
        assertThatThrownBy(() -> WriteBehindUsageSink.builder(sink)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theWriterThreadIsADaemonFromTheGivenFactory() throws Exception {
        List<Thread> made = new CopyOnWriteArrayList<>();
        WriteBehindUsageSink sink = track(WriteBehindUsageSink.builder(new TestSink()).threadFactory(r -> {
            Thread t = new Thread(r, "host-usage-writer");
            made.add(t);
            return t;
        }).build());

        assertThat(made).singleElement().satisfies(t -> {
            assertThat(t.isDaemon()).isTrue();
            assertThat(t.isAlive()).isTrue();
        });
        sink.close();
        made.get(0).join(5_000);
        assertThat(made.get(0).isAlive()).as("close ends the writer thread").isFalse();
    }

    // ---- with an LLMJob ---------------------------------------------------------------------------

    @Test
    void anLLMJobWritingBehindHasRecordedEveryCallAndSettledEveryBudgetOnceTheSinkIsClosed() throws Exception {
        ModelRef mini = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
        InMemoryKeyStore keys = new InMemoryKeyStore();
        InMemoryModelCatalog catalog = new InMemoryModelCatalog();
        catalog.register(new ModelSpec(mini, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"),
                new BigDecimal("0.10")));
        catalog.allow(ACME, mini, 100).setDefault(ACME, mini).setDefaultProvider(ACME, ProviderId.OPENAI);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-writebehind0000111122223333"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(Clock.systemUTC(), BudgetAlertListener.NONE);
        Budget budget = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100"));
        ledger.setBudget(budget);
        TestSink delegate = new TestSink() {
            @Override
            void beforeWrite(UsageRecord record) {
                sleep(3); // a remote billing service
            }
        };
        WriteBehindUsageSink usage = track(builder(delegate).build());
        List<JobResult> answered = new CopyOnWriteArrayList<>();
        AtomicInteger failed = new AtomicInteger();

        try (LoopbackServer server = LoopbackServer.start()) {
            server.otherwise(req -> req.body().contains("fail-")
                    ? json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}")
                    : json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
                            + "\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}"));
            LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).budgetLedger(ledger).usageSink(usage)
                    .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                            .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(5)).build()))
                    .build();
            LogCapture.quietly(() -> Concurrently.run(4, t -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        answered.add(job.run(JobRequest.builder(ACME, (i % 5 == 4 ? "fail-" : "ok-") + t + "-" + i)
                                .build()));
                    } catch (ProviderException e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        assertThat(usage.close(Duration.ofSeconds(30))).isTrue();

        assertThat(answered).hasSize(32);
        assertThat(failed.get()).isEqualTo(8);
        assertThat(usage.written()).isEqualTo(40);
        assertThat(usage.dropped() + usage.failed() + usage.queued()).isZero();
        List<UsageRecord> records = delegate.memory.recent(ACME, 100);
        assertThat(records).hasSize(40).noneMatch(r -> r.status() == UsageStatus.STARTED);
        assertThat(records).filteredOn(r -> r.status() == UsageStatus.ERROR).hasSize(8);
        assertThat(answered).allSatisfy(r -> assertThat(delegate.memory.find(ACME, r.usageRecordId()))
                .hasValueSatisfying(rec -> assertThat(rec.status()).isEqualTo(UsageStatus.OK)));
        assertThat(delegate.reservations).as("every finished record brought its reservation").hasSize(40);
        BigDecimal billed = records.stream().filter(r -> r.billed().isPriced()).map(r -> r.billed().amount())
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(billed).isEqualByComparingTo(new BigDecimal("0.000012").multiply(BigDecimal.valueOf(32)));
        assertThat(ledger.spent(budget)).as("the ledger equals the records").isEqualByComparingTo(billed);
    }

    /** Waits (at most 10 s) until no more than {@code most} records are queued. */
    static void awaitQueued(WriteBehindUsageSink sink, long most) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sink.queued() > most && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(sink.queued()).isLessThanOrEqualTo(most);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
