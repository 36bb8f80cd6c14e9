package dev.aitenancy.jdbc;

import static dev.aitenancy.jdbc.testing.FaultFixtures.INTERNALS;
import static dev.aitenancy.jdbc.testing.FaultFixtures.OK_COST;
import static dev.aitenancy.jdbc.testing.FaultFixtures.billed;
import static dev.aitenancy.jdbc.testing.FaultFixtures.count;
import static dev.aitenancy.jdbc.testing.FaultFixtures.reserved;
import static dev.aitenancy.jdbc.testing.FaultFixtures.spent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.StoreException;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault suite (issue 11): every connection of a HikariCP pool held by someone else. A call is
 * refused with {@code AI_STORE_UNAVAILABLE} within the pool's connection timeout plus slack,
 * without SQL, driver or pool text; calls already at the provider still end with their answers;
 * once the connections are back calls succeed, and every call has exactly one record with the
 * ledger equal to their sum.
 */
class FaultPoolExhaustionTest {

    static final OrgId ACME = OrgId.of("acme");
    static final int POOL = 3;
    static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(500);
    /** Slack over the connection timeout for a refusal: logging, the refused call's own record, a busy machine. */
    static final Duration SLACK = Duration.ofMillis(1_500);
    static final int AT_PROVIDER = 4;
    static final int AFTER = 5;
    final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anExhaustedPoolRefusesCallsInTimeWithoutInternalsAndLosesNoRecord(TestDatabase kind) throws Exception {
        DataSource raw = databases.open(kind);
        AiTenancyJdbc.create(raw);
        Semaphore atProvider = new Semaphore(0);
        CountDownLatch answer = new CountDownLatch(1);
        List<Connection> taken = new ArrayList<>();
        try (HikariDataSource pool = FaultFixtures.pool(raw, POOL, CONNECTION_TIMEOUT);
                LoopbackServer server = LoopbackServer.start()) {
            server.otherwise(req -> {
                if (req.header("x-correlation-id").startsWith("held-")) {
                    atProvider.release();
                    await(answer);
                }
                return FaultFixtures.ok();
            });
            FaultFixtures.Governed governed = FaultFixtures.governed(pool, server.uri("/v1"), Duration.ofSeconds(20),
                    1_000, ACME);
            LLMJob job = governed.job();
            JdbcUsageSink sink = governed.sink();

            // given: calls waiting for their answers at the provider
            List<CompletableFuture<JobResult>> held = new ArrayList<>();
            for (int i = 0; i < AT_PROVIDER; i++) {
                held.add(job.runAsync(JobRequest.builder(ACME, "held " + i).correlationId("held-" + i).build()));
            }
            assertThat(atProvider.tryAcquire(AT_PROVIDER, 20, TimeUnit.SECONDS)).isTrue();

            Throwable[] refusals = new Throwable[3];
            long[] runMillis = new long[1];
            List<JobEvent> events = new CopyOnWriteArrayList<>();
            List<Map<String, Integer>> heldEndings = new ArrayList<>();
            String log = LogCapture.quietly(() -> {
                // when: every connection of the pool is held by someone else
                for (int i = 0; i < POOL; i++) {
                    taken.add(pool.getConnection());
                }
                long t0 = System.nanoTime();
                refusals[0] = catchThrowable(() -> job.run(JobRequest.builder(ACME, "run").correlationId("exhausted-run")
                        .build()));
                runMillis[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                CompletableFuture<JobResult> async = job.runAsync(JobRequest.builder(ACME, "async")
                        .correlationId("exhausted-async").build());
                refusals[1] = catchThrowable(() -> async.get(CONNECTION_TIMEOUT.plus(SLACK).toMillis(),
                        TimeUnit.MILLISECONDS)).getCause();
                CompletableFuture<JobResult> streamed = job.stream(JobRequest.builder(ACME, "stream")
                        .correlationId("exhausted-stream").build(), events::add).completion();
                refusals[2] = catchThrowable(() -> streamed.get(CONNECTION_TIMEOUT.plus(SLACK).toMillis(),
                        TimeUnit.MILLISECONDS)).getCause();
                // the calls at the provider get their answers while the pool is still exhausted
                answer.countDown();
                heldEndings.add(FaultFixtures.endings(held, Duration.ofSeconds(15)));
            });
            taken.forEach(FaultPoolExhaustionTest::close);

            // then: each refusal is a store error, in time, and says nothing of SQL, driver or pool
            assertThat(runMillis[0]).as("run() refused within the connection timeout plus slack")
                    .isBetween(CONNECTION_TIMEOUT.toMillis() - 50, CONNECTION_TIMEOUT.plus(SLACK).toMillis());
            for (Throwable t : refusals) {
                assertThat(t).isInstanceOf(StoreException.class);
                StoreException e = (StoreException) t;
                assertThat(e.code()).isEqualTo(ErrorCode.AI_STORE_UNAVAILABLE);
                assertThat(e.code().retryable()).isTrue();
                assertThat(e.getMessage()).isEqualTo("could not check the rate limits for org acme: a store it needs "
                        + "failed or did not answer in time; try again shortly");
                assertThat(INTERNALS).allSatisfy(word -> assertThat(e.getMessage()).doesNotContain(word));
            }
            assertThat(events).hasSize(1).first().isInstanceOfSatisfying(JobEvent.Error.class,
                    ev -> assertThat(ev.error().code()).isEqualTo(ErrorCode.AI_STORE_UNAVAILABLE));
            assertThat(heldEndings).singleElement().as("answered calls end with their answers, pool or not")
                    .isEqualTo(Map.of("ok", AT_PROVIDER));
            assertThat(log).contains("could not check the rate limits for org acme");

            // and once the connections are back, calls go through again
            List<String> after = new ArrayList<>();
            LogCapture.quietly(() -> {
                for (int i = 0; i < AFTER; i++) {
                    after.add(job.run(JobRequest.builder(ACME, "after " + i).correlationId("after-" + i).build()).text());
                }
            });
            assertThat(after).hasSize(AFTER).containsOnly("fine");
            assertThat(sink.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(server.requests()).hasSize(AT_PROVIDER + AFTER);
            sink.close();
            governed.ledger().close(); // what its budget leases have not lent goes back
        }

        Jdbi jdbi = Jdbi.create(raw);
        int calls = AT_PROVIDER + 3 + AFTER;
        assertThat(FaultFixtures.rowsPerCorrelationId(jdbi, "org_id = 'acme'")).hasSize(calls)
                .allSatisfy((id, rows) -> assertThat(rows).as(id).isEqualTo(1));
        assertThat(FaultFixtures.outcomes(jdbi, "org_id = 'acme'")).isEqualTo(Map.of(
                "ok -", AT_PROVIDER + AFTER, "error AI_STORE_UNAVAILABLE", 3));
        assertThat(spent(jdbi, ACME)).isEqualByComparingTo(OK_COST.multiply(BigDecimal.valueOf(AT_PROVIDER + AFTER)))
                .isEqualByComparingTo(billed(jdbi, ACME));
        assertThat(reserved(jdbi, ACME)).isEqualByComparingTo("0");
        assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_budget_reservations")).isZero();
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void close(Connection c) {
        try {
            c.close();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
