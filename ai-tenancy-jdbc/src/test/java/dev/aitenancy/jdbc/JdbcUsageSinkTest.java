package dev.aitenancy.jdbc;

import dev.aitenancy.usage.UsageLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.StoreException;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.LLMJob;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The batch writer loses nothing it accepted: on close, and across a database outage. */
class JdbcUsageSinkTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId NO_KEY = OrgId.of("initech");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    static UsageRecord finished(int i) {
        UsageRecord start = UsageRecord.builder(UUID.randomUUID(), "acme", T0.plusMillis(i)).userId("u" + (i % 7))
                .provider("openai").model("gpt-4.1-mini").correlationId("c" + i).inputText("q" + i).build();
        return start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.unpriced(), null, null, "a" + i,
                T0.plusMillis(i + 100));
    }

    static int rows(DataSource ds) {
        return Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_generations")
                .mapTo(Integer.class).one());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void closeWritesEverythingStillQueued(TestDatabase kind) {
        DataSource ds = databases.open(kind);
        JdbcUsageSink sink = AiTenancyJdbc.create(ds).usageSink(5_000, 100, Duration.ofSeconds(5));

        for (int i = 0; i < 2_000; i++) {
            sink.finished(finished(i));
        }
        sink.close();

        assertThat(rows(ds)).isEqualTo(2_000);
        assertThat(sink.droppedRecords()).isZero();
        assertThatThrownBy(() -> sink.finished(finished(1))).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void recordsWaitOutADatabaseOutageAndAreWrittenAfterIt(TestDatabase kind) throws Exception {
        DataSource real = databases.open(kind);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        JdbcUsageSink sink = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false)
                .usageSink(1_000, 50, Duration.ofSeconds(5));

        flaky.down();
        for (int i = 0; i < 300; i++) {
            sink.finished(finished(i));
        }
        assertThat(flaky.refusedOnce().await(10, TimeUnit.SECONDS)).as("the writer met the outage").isTrue();
        assertThat(rows(real)).isZero();
        flaky.up();
        sink.close();

        assertThat(rows(real)).isEqualTo(300);
        assertThat(sink.droppedRecords()).isZero();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aFullQueueDropsWhatItMustAndCountsEveryDrop(TestDatabase kind) throws Exception {
        DataSource real = databases.open(kind);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        JdbcUsageSink sink = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false)
                .usageSink(10, 10, Duration.ofMillis(1));

        String log = LogCapture.quietly(() -> {
            flaky.down();
            for (int i = 0; i < 50; i++) {
                sink.finished(finished(i));
            }
            flaky.up();
            sink.close();
        });
        assertThat(log).contains("dropped the ok record");

        assertThat(sink.droppedRecords()).isPositive();
        assertThat(rows(real) + sink.droppedRecords()).as("every record written or counted as dropped")
                .isEqualTo(50);
    }

    /**
     * N concurrent calls through a real {@link LLMJob} and a loopback provider: answers, provider
     * errors, timeouts, cancels and calls refused before the provider. The database goes down while
     * calls are at the provider, and more calls arrive during the outage (they are refused, since
     * their start cannot be recorded). After close, the database holds exactly one finished record
     * per call, with the status and error code of what happened to it.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyCallOfManyConcurrentJobsIsRecordedOnceThroughFailuresCancelsAndAnOutage(TestDatabase kind)
            throws Exception {
        DataSource real = databases.open(kind);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        JdbcUsageSink sink = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false)
                .usageSink(10_000, 50, Duration.ofSeconds(30));
        int n = 240;
        int perKind = n / 6;
        int duringOutage = 12;
        CountDownLatch stalledForCancel = new CountDownLatch(perKind);
        try (LoopbackServer server = LoopbackServer.start()) {
            server.otherwise(req -> {
                if (req.body().contains("ok-")) {
                    return LoopbackServer.Reply.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
                            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}");
                }
                if (req.body().contains("bad-")) {
                    return LoopbackServer.Reply.json(400, "{\"error\":{\"message\":\"unsupported parameter\","
                            + "\"type\":\"invalid_request_error\",\"code\":null}}");
                }
                if (req.body().contains("cancel-")) {
                    stalledForCancel.countDown();
                }
                return LoopbackServer.Reply.sse().thenStall(); // slow-* times out, cancel-* waits to be canceled
            });
            InMemoryKeyStore keys = new InMemoryKeyStore();
            keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-concurrent0000111122223333"));
            keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
            InMemoryModelCatalog catalog = new InMemoryModelCatalog(ModelRegistry.builtIn());
            catalog.allow(ACME, MINI).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
            catalog.allow(NO_KEY, MINI).setDefault(NO_KEY, MINI).setDefaultProvider(NO_KEY, ProviderId.OPENAI);
            LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(sink)
                    .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                            .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(30)).build()))
                    .build();

            List<CompletableFuture<JobResult>> calls = new ArrayList<>();
            List<CompletableFuture<JobResult>> toCancel = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String what = switch (i % 6) {
                    case 0, 1 -> "ok-";
                    case 2 -> "bad-";
                    case 3 -> "slow-";
                    case 4 -> "cancel-";
                    default -> "refused-";
                };
                JobRequest.Builder request = JobRequest.builder(what.equals("refused-") ? NO_KEY : ACME, what + i);
                if (what.equals("slow-")) {
                    request.timeout(Duration.ofMillis(300));
                }
                CompletableFuture<JobResult> call;
                try {
                    call = job.runAsync(request.build());
                } catch (RuntimeException refusedAtOnce) {
                    call = CompletableFuture.failedFuture(refusedAtOnce);
                }
                calls.add(call);
                if (what.equals("cancel-")) {
                    toCancel.add(call);
                }
            }
            assertThat(stalledForCancel.await(30, TimeUnit.SECONDS)).as("every cancel-* call reached the provider").isTrue();
            flaky.down();
            toCancel.forEach(f -> f.cancel(true));
            String log = LogCapture.quietly(() -> {
                for (int i = 0; i < duringOutage; i++) {
                    calls.add(job.runAsync(JobRequest.builder(ACME, "ok-outage-" + i).build()));
                }
            });
            assertThat(log).contains("could not record the start of the call for org acme");
            assertThat(calls.subList(n, n + duringOutage)).allSatisfy(f -> assertThat(f)
                    .failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOf(StoreException.class)
                    .withMessageContaining("record the start of the call").withMessageNotContaining("INSERT"));
            assertThat(flaky.refusedOnce().await(10, TimeUnit.SECONDS)).as("the writer met the outage").isTrue();
            flaky.up();
            CompletableFuture.allOf(calls.stream().map(f -> f.handle((r, e) -> r)).toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
            sink.close();
        }

        Map<String, Integer> byOutcome = new TreeMap<>();
        Jdbi.create(real).useHandle(h -> h.createQuery("SELECT status, COALESCE(error_code, '-') AS code, COUNT(*) AS n "
                        + "FROM ai_generations GROUP BY status, COALESCE(error_code, '-')")
                .map((rs, ctx) -> byOutcome.put(rs.getString("status") + " " + rs.getString("code"), rs.getInt("n")))
                .list());
        assertThat(sink.droppedRecords()).isZero();
        assertThat(rows(real)).isEqualTo(n + duringOutage);
        assertThat(byOutcome).isEqualTo(Map.of(
                "ok -", 2 * perKind,
                "error AI_PROVIDER_BAD_REQUEST", perKind,
                "error AI_PROVIDER_TIMEOUT", perKind,
                "canceled AI_CANCELED", perKind,
                "error AI_CONFIG_MISSING_API_KEY", perKind,
                "error AI_STORE_UNAVAILABLE", duringOutage));
    }

    /**
     * A call that starts alone writes its started row with one statement, on its own thread: on
     * PostgreSQL committed on its own (no BEGIN, no COMMIT: one round trip), on H2 in a transaction
     * around its batch.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aCallThatStartsAloneWritesItsRowWithoutATransactionOnPostgresql(TestDatabase kind) {
        DataSource ds = databases.open(kind);
        CountingDataSource counting = new CountingDataSource(ds);
        JdbcUsageSink sink = AiTenancyJdbc.create(counting).usageSink(1_000, 100, Duration.ofSeconds(5));
        sink.started(UsageRecord.builder(UUID.randomUUID(), "acme", T0).build()); // the instance's lease first
        counting.reset();

        for (int i = 1; i <= 10; i++) {
            sink.started(UsageRecord.builder(UUID.randomUUID(), "acme", T0.plusMillis(i)).build());
        }

        if (kind == TestDatabase.POSTGRESQL) {
            assertThat(counting.transactionsBegun()).as("transactions begun").isZero();
            assertThat(counting.commits()).as("commits").isZero();
        } else {
            assertThat(counting.transactionsBegun()).as("transactions begun").isEqualTo(10);
            assertThat(counting.commits()).as("commits").isEqualTo(10);
        }
        int started = Jdbi.create(ds).withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM ai_generations WHERE status = 'started'").mapTo(Integer.class).one());
        assertThat(started).isEqualTo(11);
        sink.close();
    }

    /** Counts, over the connections it hands out, the transactions begun and the commits on one thread. */
    static final class CountingDataSource extends dev.aitenancy.jdbc.testing.ForwardingDataSource {
        private final AtomicInteger begun = new AtomicInteger();
        private final AtomicInteger commits = new AtomicInteger();
        private volatile Thread counted;

        CountingDataSource(DataSource real) {
            super(real);
        }

        @Override
        public java.sql.Connection getConnection() throws java.sql.SQLException {
            java.sql.Connection real = super.getConnection();
            return (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> {
                        // the sink's own threads (its lease, its writer) are not the caller's round trips
                        boolean caller = Thread.currentThread() == counted;
                        if (caller && method.getName().equals("setAutoCommit") && Boolean.FALSE.equals(args[0])
                                && real.getAutoCommit()) {
                            begun.incrementAndGet();
                        } else if (caller && method.getName().equals("commit")) {
                            commits.incrementAndGet();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        /** Counts from now on, on this thread only. */
        void reset() {
            begun.set(0);
            commits.set(0);
            counted = Thread.currentThread();
        }

        int transactionsBegun() {
            return begun.get();
        }

        int commits() {
            return commits.get();
        }
    }
}
