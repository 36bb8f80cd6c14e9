package dev.aitenancy.jdbc;

import static dev.aitenancy.jdbc.testing.FaultFixtures.billed;
import static dev.aitenancy.jdbc.testing.FaultFixtures.count;
import static dev.aitenancy.jdbc.testing.FaultFixtures.reserved;
import static dev.aitenancy.jdbc.testing.FaultFixtures.spent;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The usage writer under load (issue 13): what 64 threads of calls leave queued is all written by
 * {@link JdbcUsageSink#close()}, exactly once each, with the ledger equal to the records and no
 * deadlock between reservation groups of several orgs and the writer's settlements; batches
 * that settle many calls of one budget alert as settling them one by one would.
 */
class UsageWritesUnderLoadTest {

    static final int THREADS = 64;
    static final int CALLS_PER_THREAD = 40;
    static final int ORGS = 4;
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    /** Billed for a call of kind 0. */
    static final BigDecimal PRICE = new BigDecimal("0.000012");
    /** Billed for a call of kind 1: finer than the money columns (10 decimals), rounded when stored. */
    static final BigDecimal FINE_PRICE = new BigDecimal("0.00000001875");
    static final BigDecimal WORST_CASE = new BigDecimal("0.01");

    final OpenDatabases databases = new OpenDatabases();
    final List<HikariDataSource> pools = new ArrayList<>();

    @AfterEach
    void drop() {
        pools.forEach(HikariDataSource::close);
        databases.closeAll();
    }

    private DataSource pooled(TestDatabase kind) {
        HikariDataSource pool = FaultFixtures.pool(databases.open(kind), 8, Duration.ofSeconds(30));
        pools.add(pool);
        return pool;
    }

    /** A call's started record; its kind is {@code i % 4}, and the 64 threads spread each kind evenly over the orgs. */
    static UsageRecord started(int thread, int i) {
        return UsageRecord.builder(UUID.randomUUID(), "org-" + ((i / 4 + thread) % ORGS), T0.plusMillis(i)).userId("user-" + thread)
                .provider("openai").model("gpt-4.1-mini").correlationId("t" + thread + "-c" + i)
                .inputText("question " + i).build();
    }

    /**
     * What happened to the call: kinds 0 and 1 answered (billed {@link #PRICE} or
     * {@link #FINE_PRICE}) and settle a reservation; kind 2 answered, unpriced, without a budget;
     * kind 3 was refused before it started (a finished record only).
     */
    static UsageRecord finished(UsageRecord start, int i) {
        return switch (i % 4) {
            case 0 -> start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.usd(PRICE), null, null, "answer",
                    start.startedAt().plusMillis(40));
            case 1 -> start.finish(UsageStatus.OK, TokenUsage.of(1, 1), Cost.usd(FINE_PRICE), null, null, "answer",
                    start.startedAt().plusMillis(40));
            case 2 -> start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.unpriced(), null, null, "answer",
                    start.startedAt().plusMillis(40));
            default -> start.finish(UsageStatus.ERROR, TokenUsage.UNKNOWN, Cost.unpriced(),
                    "AI_CONFIG_MISSING_API_KEY", "no key", null, start.startedAt());
        };
    }

    /**
     * 64 threads of 40 calls each through one sink (a pool of 8 connections): the first half of
     * each thread's calls runs whole while the writer writes; the second half starts, then its
     * finished records are queued while the database is unreachable, so a backlog of at least
     * 1,280 records is certainly queued when the database comes back and the sink is closed at once.
     * After close: one row per call, none left started, every reservation settled, and each org's
     * spend equal to what its records bill, to the last of the 10 stored decimals.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void closeWritesWhatSixtyFourThreadsOfCallsLeftQueuedExactlyOnceWithTheLedgerEqualToTheRecords(TestDatabase kind)
            throws Exception {
        DataSource real = pooled(kind);
        AiTenancyJdbc.create(real);
        long deadlocksBefore = Sql.deadlocksTriedAgain();
        FlakyDataSource flaky = new FlakyDataSource(real);
        AiTenancyJdbc db = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false);
        JdbcBudgetLedger ledger = db.budgetLedger(BudgetAlertListener.NONE);
        for (int o = 0; o < ORGS; o++) {
            ledger.setBudget(Budget.hard(OrgId.of("org-" + o), Budget.Scope.ORG, null, Budget.Period.MONTHLY,
                    new BigDecimal("1000")));
        }
        JdbcUsageSink sink = db.usageSink(20_000, 200, Duration.ofSeconds(30));
        int total = THREADS * CALLS_PER_THREAD;
        int half = CALLS_PER_THREAD / 2;

        record Open(UsageRecord start, BudgetReservation reservation, int i) {
        }
        List<List<Open>> open = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            open.add(new ArrayList<>());
        }
        Concurrently.run(THREADS, t -> {
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                UsageRecord start = started(t, i);
                BudgetReservation reservation = i % 4 < 2
                        ? ledger.reserve(start.id(), OrgId.of(start.orgId()), Caller.user(start.userId()), null, WORST_CASE)
                        : null;
                if (i % 4 != 3) {
                    sink.started(start);
                }
                if (i < half) {
                    finish(sink, finished(start, i), reservation);
                } else {
                    open.get(t).add(new Open(start, reservation, i));
                }
            }
        });

        String log = LogCapture.quietly(() -> {
            flaky.down();
            Concurrently.run(THREADS, t -> {
                for (Open o : open.get(t)) {
                    finish(sink, finished(o.start(), o.i()), o.reservation());
                }
            });
            assertThat(sink.writtenRecords()).as("the second halves are all still queued")
                    .isLessThanOrEqualTo(total - THREADS * half);
            flaky.up();
            sink.close();
            ledger.close();
        });
        assertThat(log).doesNotContain("dropped").doesNotContain("set aside");

        Jdbi jdbi = Jdbi.create(real);
        assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_generations")).isEqualTo(total);
        assertThat(count(jdbi, "SELECT COUNT(DISTINCT correlation_id) FROM ai_generations")).isEqualTo(total);
        assertThat(FaultFixtures.outcomes(jdbi, "1 = 1")).isEqualTo(Map.of(
                "ok -", total / 4 * 3, "error AI_CONFIG_MISSING_API_KEY", total / 4));
        assertThat(sink.writtenRecords()).isEqualTo(total);
        assertThat(sink.droppedRecords()).isZero();
        assertThat(sink.rejectedRecords()).isZero();
        assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_budget_reservations")).isZero();
        assertThat(Sql.deadlocksTriedAgain() - deadlocksBefore)
                .as("deadlocks between reservations of several orgs and the writer's settlements").isZero();
        BigDecimal perOrg = PRICE.add(new BigDecimal("0.0000000188")).multiply(BigDecimal.valueOf(total / 4 / ORGS));
        for (int o = 0; o < ORGS; o++) {
            OrgId org = OrgId.of("org-" + o);
            assertThat(spent(jdbi, org)).as("spent of " + org).isEqualByComparingTo(billed(jdbi, org));
            assertThat(billed(jdbi, org)).as("billed of " + org).isEqualByComparingTo(perOrg);
            assertThat(reserved(jdbi, org)).as("reserved of " + org).isEqualByComparingTo("0");
        }
    }

    private static void finish(JdbcUsageSink sink, UsageRecord record, BudgetReservation reservation) {
        if (reservation == null) {
            sink.finished(record);
        } else {
            sink.finished(record, reservation);
        }
    }

    /**
     * 100 calls of 0.01 against a budget of 2.00 alerting at 25%, queued at once and settled by
     * the writer in batches of up to 500: the alert fires once, with the spend of the 50th call
     * (0.50), as settling the calls one by one does.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aBatchOfSettlementsAlertsOnceWithTheSpendOfTheCallThatCrossedTheThreshold(TestDatabase kind) {
        DataSource ds = pooled(kind);
        AiTenancyJdbc db = AiTenancyJdbc.create(ds);
        record Alert(String period, BigDecimal spent) {
        }
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        OrgId org = OrgId.of("org-alert");
        JdbcBudgetLedger ledger = db.budgetLedger((budget, period, spent) -> alerts.add(new Alert(period, spent)));
        ledger.setBudget(new Budget(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("2.00"), true,
                new BigDecimal("0.25"), ZoneId.of("UTC")));
        JdbcUsageSink sink = db.usageSink(1_000, 500, Duration.ofSeconds(5));

        List<UsageRecord> starts = new ArrayList<>();
        List<BudgetReservation> reservations = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            UsageRecord start = UsageRecord.builder(UUID.randomUUID(), org.value(), T0).userId("u").build();
            reservations.add(ledger.reserve(start.id(), org, Caller.user("u"), null, WORST_CASE));
            sink.started(start);
            starts.add(start);
        }
        for (int i = 0; i < 100; i++) {
            sink.finished(starts.get(i).finish(UsageStatus.OK, TokenUsage.of(1, 1), Cost.usd(new BigDecimal("0.01")),
                    null, null, null, T0.plusMillis(10)), reservations.get(i));
        }
        assertThat(sink.flush(Duration.ofSeconds(20))).isTrue();

        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).spent()).isEqualByComparingTo("0.50");
        assertThat(spent(db.jdbi(), org)).isEqualByComparingTo("1.00");
        assertThat(reserved(db.jdbi(), org)).isEqualByComparingTo("0");
        sink.close();
    }

    /**
     * One call's finished record queued twice (and one of a call never started, twice too) is
     * written once each, whether both copies land in one batch or in two, and no batch is refused
     * for it.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theSameRecordQueuedTwiceIsWrittenOnce(TestDatabase kind) {
        DataSource ds = pooled(kind);
        AiTenancyJdbc db = AiTenancyJdbc.create(ds);
        JdbcUsageSink sink = db.usageSink(1_000, 500, Duration.ofSeconds(5));
        UsageRecord start = started(0, 0);
        sink.started(start);
        UsageRecord done = finished(start, 0);
        UsageRecord refused = finished(started(0, 3), 3);
        for (UsageRecord r : List.of(done, done, refused, refused)) {
            sink.finished(r);
        }
        sink.close();

        Jdbi jdbi = Jdbi.create(ds);
        assertThat(FaultFixtures.outcomes(jdbi, "1 = 1")).isEqualTo(Map.of("ok -", 1, "error AI_CONFIG_MISSING_API_KEY", 1));
        assertThat(sink.writtenRecords()).isEqualTo(4);
        assertThat(sink.rejectedRecords()).isZero();
    }
}
