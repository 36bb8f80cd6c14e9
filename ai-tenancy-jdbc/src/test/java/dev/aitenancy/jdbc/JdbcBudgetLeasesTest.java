package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Budget leases ({@link BudgetLeases}), on H2 and PostgreSQL: calls reserved from an instance's
 * leases never take a hard budget past its limit, alone or with a second instance; the database is
 * touched per lease rather than per call; what a lease has not lent goes back on close and when
 * idle; a lowered limit holds at once; a call settled by the usage sink moves its cost out of the
 * lease; a call of a dead instance is charged its worst case from the lease its started record
 * notes, and the dead instance's lease is released when it expires.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcBudgetLeasesTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:15Z");
    static final OrgId ACME = OrgId.of("acme");
    static final BigDecimal CENT = new BigDecimal("0.01");

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final MutableClock clock = new MutableClock(NOW);
    private Jdbi jdbi;

    @AfterEach
    void drop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        databases.closeAll();
    }

    private AiTenancyJdbc jdbc(DataSource ds) {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds, clock, jdbi == null).withConfigCache(Duration.ofMinutes(5));
        jdbi = jdbc.jdbi();
        return jdbc;
    }

    /** A ledger of its own (an instance), with leases, on the database {@code ds}. */
    private JdbcBudgetLedger ledger(AiTenancyJdbc jdbc) {
        JdbcBudgetLedger ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
        open.add(ledger);
        return ledger;
    }

    private static Budget hard(String limit) {
        return Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal(limit));
    }

    private BigDecimal column(String column) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + column + " FROM ai_budget_usage WHERE org_id = 'acme' "
                + "AND budget_key LIKE 'ORG:%'").mapTo(BigDecimal.class).findOne().orElse(BigDecimal.ZERO));
    }

    private BigDecimal usage(String keyLike, String column) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + column + " FROM ai_budget_usage WHERE org_id = 'acme' "
                + "AND budget_key LIKE :key").bind("key", keyLike).mapTo(BigDecimal.class).findOne()
                .orElse(BigDecimal.ZERO));
    }

    /** Closing gives back what the leases have not lent: nothing is reserved, and no lease row is left. */
    private void assertHoldsNothingOnceClosed(JdbcBudgetLedger ledger) {
        ledger.close();
        assertThat(column("reserved")).isEqualByComparingTo("0");
        assertThat(leaseRows()).isZero();
    }

    /**
     * An instance (a ledger with a hard org budget of 100 and a usage sink with a 1 s instance lease)
     * reserves {@code worstCase} from a lease for a call, writes its started record and dies: its
     * ledger is never closed, its sink stops renewing the instance lease. Returns what is reserved then.
     */
    private BigDecimal anInstanceDiesWithAStartedCall(DataSource ds, BigDecimal worstCase) throws Exception {
        AiTenancyJdbc dead = jdbc(ds);
        JdbcBudgetLedger deadLedger = dead.budgetLedger(BudgetAlertListener.NONE);
        deadLedger.setBudget(hard("100"));
        JdbcUsageSink deadSink = dead.usageSink(1_000, 50, Duration.ofSeconds(5), Duration.ofSeconds(1));
        UsageRecord start = UsageRecord.builder(UUID.randomUUID(), "acme", NOW).userId("u").provider("openai")
                .model("gpt-4.1-mini").build();
        deadLedger.reserve(start.id(), ACME, Caller.user("u"), null, worstCase);
        deadSink.started(start);
        deadSink.close(); // its writer stops renewing the instance lease; the started call stays as it is
        return column("reserved");
    }

    private long leaseRows() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_budget_reservations").mapTo(Long.class).one());
    }

    /** Reserves a cent and settles it at a cent until refused; returns the calls admitted. */
    private static int untilRefused(JdbcBudgetLedger ledger, int most) {
        for (int i = 0; i < most; i++) {
            try {
                ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(CENT);
            } catch (BudgetExceededException e) {
                return i;
            }
        }
        return most;
    }

    @Test
    void sixtyFourThreadsAgainstAHardBudgetSpendExactlyItWithATransactionPerLeaseNotPerCall() throws Exception {
        JdbcBudgetLedger ledger = ledger(jdbc(databases.open(database)));
        ledger.setBudget(hard("10")); // 1,000 calls of a cent
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Concurrently.Body calls = t -> {
            for (int i = 0; i < 15; i++) {
                try {
                    BudgetReservation r = ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u" + t), null, CENT);
                    admitted.incrementAndGet();
                    r.settle(CENT);
                } catch (BudgetExceededException e) {
                    refused.incrementAndGet();
                }
            }
        };

        Concurrently.run(64, calls); // 960 calls, all of which fit
        long takes = ledger.leases().takes();
        Concurrently.run(64, calls); // 960 more, of which 40 fit

        assertThat(takes).as("lease transactions for the first 960 calls").isLessThan(100);
        assertThat(admitted).hasValue(1_000);
        assertThat(refused).hasValue(2 * 960 - 1_000);
        assertThat(column("spent")).isEqualByComparingTo("10");
        assertHoldsNothingOnceClosed(ledger);
    }

    @Test
    void twoInstancesSharingABudgetSpendExactlyItBetweenThem() throws Exception {
        DataSource ds = databases.open(database);
        JdbcBudgetLedger first = ledger(jdbc(ds));
        JdbcBudgetLedger second = ledger(jdbc(ds));
        first.setBudget(hard("6")); // 600 calls of a cent
        AtomicInteger admitted = new AtomicInteger();

        // each instance asks for more than the whole budget, so neither runs out of calls holding unlent money
        Concurrently.run(32, t -> {
            JdbcBudgetLedger mine = t % 2 == 0 ? first : second;
            for (int i = 0; i < 40; i++) {
                try {
                    mine.reserve(UUID.randomUUID(), ACME, Caller.user("u" + t), null, CENT).settle(CENT);
                    admitted.incrementAndGet();
                } catch (BudgetExceededException e) {
                    // refused: the budget is spent or lent out
                }
            }
        });

        assertThat(admitted).hasValue(600);
        assertThat(column("spent")).isEqualByComparingTo("6");
        first.close();
        second.close();
        assertThat(column("reserved")).isEqualByComparingTo("0");
        assertThat(leaseRows()).as("every lease row gone once its money went back").isZero();
    }

    @Test
    void aLeaseHoldsMoreThanTheCallAndClosingGivesWhatIsNotLentBack() {
        DataSource ds = databases.open(database);
        JdbcBudgetLedger ledger = ledger(jdbc(ds));
        ledger.setBudget(hard("100"));
        BudgetReservation running = ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT);
        BigDecimal slice = new BigDecimal("100").divide(BigDecimal.valueOf(BudgetLeases.SLICE_DIVISOR));
        assertThat(column("reserved")).as("the call's cent and a slice of the budget").isEqualByComparingTo(
                CENT.add(slice));
        for (int i = 0; i < 10; i++) {
            ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(new BigDecimal("0.004"));
        }
        assertThat(ledger.leases().takes()).as("ten calls more, lent from the lease").isEqualTo(1);
        assertThat(column("spent")).isEqualByComparingTo("0.04");

        ledger.close();

        assertThat(column("reserved")).as("only the running call's worst case").isEqualByComparingTo(CENT);
        running.settle(new BigDecimal("0.003"));
        assertThat(column("reserved")).isEqualByComparingTo("0");
        assertThat(column("spent")).isEqualByComparingTo("0.043");
        JdbcBudgetLedger next = ledger(jdbc(ds));
        assertThatThrownBy(() -> next.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, new BigDecimal("99.96")))
                .isInstanceOf(BudgetExceededException.class);
        next.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, new BigDecimal("99.957")).settle(BigDecimal.ZERO);
    }

    /**
     * Each user's first call takes a lease of the user's budget; the org's lease, which covers the
     * call, is left as it is: it does not grow by a slice per new user (20 users would have had it
     * hold 20 slices, 40% of the budget, idle, counted against every other instance).
     */
    @Test
    void aTakeForOneBudgetLeavesALeaseThatCoversTheCallAsItIs() {
        JdbcBudgetLedger ledger = ledger(jdbc(databases.open(database)));
        ledger.setBudget(hard("100"));
        for (int u = 0; u < 20; u++) {
            ledger.setBudget(Budget.hard(ACME, Budget.Scope.USER, "u" + u, Budget.Period.MONTHLY,
                    new BigDecimal("100")));
        }
        BigDecimal slice = new BigDecimal("100").divide(BigDecimal.valueOf(BudgetLeases.SLICE_DIVISOR));

        for (int u = 0; u < 20; u++) {
            ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u" + u), null, CENT).settle(CENT);
        }

        assertThat(ledger.leases().takes()).as("one take per user's lease").isEqualTo(20);
        assertThat(column("spent")).isEqualByComparingTo("0.20");
        assertThat(column("reserved")).as("the org's one lease: the first call's slice and cent, less 20 cents spent")
                .isEqualByComparingTo(slice.add(CENT).subtract(new BigDecimal("0.20")));
        assertThat(usage("USER:u7:%", "reserved")).as("each user's lease: a slice").isEqualByComparingTo(slice);
        assertHoldsNothingOnceClosed(ledger);
    }

    @Test
    void whatALeaseHasNotLentGoesBackWhenItIsIdle() throws Exception {
        JdbcBudgetLedger ledger = ledger(jdbc(databases.open(database)));
        Duration idle = Duration.ofSeconds(2); // 30 s by default
        ledger.leases().idleAfter(idle);
        for (String user : List.of("alice", "bob")) {
            ledger.setBudget(Budget.hard(ACME, Budget.Scope.USER, user, Budget.Period.MONTHLY, new BigDecimal("100")));
        }
        ledger.reserve(UUID.randomUUID(), ACME, Caller.user("alice"), null, CENT).settle(CENT);
        assertThat(usage("USER:alice:%", "reserved")).isPositive();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (usage("USER:alice:%", "reserved").signum() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            // leases are looked at when calls reserve: bob's, on his own budget
            ledger.reserve(UUID.randomUUID(), ACME, Caller.user("bob"), null, CENT).settle(CENT);
        }

        assertThat(usage("USER:alice:%", "reserved")).as("given back after %s without use", idle)
                .isEqualByComparingTo("0");
        assertThat(usage("USER:alice:%", "spent")).isEqualByComparingTo(CENT);
        assertThat(usage("USER:bob:%", "reserved")).as("bob's lease, in use, is kept").isPositive();
    }

    @Test
    void aLoweredLimitHoldsAtOnceWhateverTheLeaseStillHolds() {
        JdbcBudgetLedger ledger = ledger(jdbc(databases.open(database)));
        ledger.setBudget(hard("100"));
        ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(CENT);

        ledger.setBudget(hard("0.05"));

        assertThat(untilRefused(ledger, 100)).as("0.04 left of the new limit").isEqualTo(4);
        assertThat(column("spent")).isEqualByComparingTo("0.05");
    }

    @Test
    void aLeaseDueForRenewalIsReplacedAndGivesWhatItHasNotLentBackInTheSameTransaction() {
        JdbcBudgetLedger ledger = ledger(jdbc(databases.open(database)));
        ledger.setBudget(hard("100"));
        ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(CENT);
        BigDecimal held = column("reserved");

        clock.advance(Duration.ofMinutes(8)); // past half of the 15-minute lifetime: it lends no more
        ledger.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(CENT);

        assertThat(ledger.leases().takes()).isEqualTo(2);
        assertThat(column("reserved")).as("one lease's worth, not two").isEqualByComparingTo(held);
        assertThat(column("spent")).isEqualByComparingTo("0.02");
        assertHoldsNothingOnceClosed(ledger);
    }

    @Test
    void anExpiredLeaseThatAStartedCallStillNotesIsNotReleasedUntilTheCallIsSettled() throws Exception {
        DataSource ds = databases.open(database);
        BigDecimal held = anInstanceDiesWithAStartedCall(ds, CENT);

        clock.advance(Duration.ofMinutes(20)); // the lease has expired
        JdbcBudgetLedger sweeper = ledger(jdbc(ds));
        sweeper.releaseExpired();
        assertThat(column("reserved")).as("kept: the started call notes it").isEqualByComparingTo(held);

        JdbcUsageSink sink = jdbc(ds).usageSink(1_000, 50, Duration.ofSeconds(5), Duration.ofSeconds(1));
        open.add(0, sink);
        LogCapture.quietly(sink::settleAbandoned);
        sweeper.releaseExpired();

        assertThat(column("reserved")).isEqualByComparingTo("0");
        assertThat(column("spent")).as("the worst case").isEqualByComparingTo(CENT);
        assertThat(leaseRows()).isZero();
    }

    @Test
    void theUsageSinkSettlesALeasedCallWithItsFinishedRecord() {
        AiTenancyJdbc jdbc = jdbc(databases.open(database));
        JdbcBudgetLedger ledger = ledger(jdbc);
        ledger.setBudget(hard("100"));
        JdbcUsageSink sink = jdbc.usageSink();
        open.add(0, sink);
        UsageRecord start = UsageRecord.builder(UUID.randomUUID(), "acme", NOW).userId("u").provider("openai")
                .model("gpt-4.1-mini").build();
        BudgetReservation r = ledger.reserve(start.id(), ACME, Caller.user("u"), null, CENT);
        sink.started(start);
        String note = jdbi.withHandle(h -> h.createQuery("SELECT budget_leases FROM ai_generations WHERE id = :id")
                .bind("id", start.id()).mapTo(String.class).one());
        assertThat(note).as("the started record notes the call's worst case and its lease")
                .matches("0\\.0100000000 [0-9a-f-]{36}");
        BigDecimal held = column("reserved");

        sink.finished(start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.usd(new BigDecimal("0.002")), null,
                null, "ok", NOW.plusSeconds(1)), r);
        assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();

        assertThat(column("spent")).isEqualByComparingTo("0.002");
        assertThat(column("reserved")).as("the cost left the lease").isEqualByComparingTo(
                held.subtract(new BigDecimal("0.002")));
        ledger.close();
        assertThat(column("reserved")).isEqualByComparingTo("0");
    }

    @Test
    void aCallOfADeadInstanceIsChargedItsWorstCaseFromTheLeaseWhichIsReleasedWhenItExpires() throws Exception {
        DataSource ds = databases.open(database);
        BigDecimal held = anInstanceDiesWithAStartedCall(ds, new BigDecimal("0.25"));
        assertThat(held).isGreaterThan(new BigDecimal("0.25"));

        // another instance, after the dead one's instance lease ran out
        clock.advance(Duration.ofMinutes(1));
        AiTenancyJdbc survivor = jdbc(ds);
        JdbcUsageSink sink = survivor.usageSink(1_000, 50, Duration.ofSeconds(5), Duration.ofSeconds(1));
        open.add(0, sink);
        int[] settled = new int[1];
        LogCapture.quietly(() -> settled[0] = sink.settleAbandoned());
        assertThat(settled[0]).isEqualTo(1);
        assertThat(column("spent")).as("the worst case").isEqualByComparingTo("0.25");
        assertThat(column("reserved")).as("the rest of the dead instance's lease")
                .isEqualByComparingTo(held.subtract(new BigDecimal("0.25")));

        // its lease outlives it until it expires (the ledger's reservation lifetime), then is released
        JdbcBudgetLedger other = ledger(survivor);
        other.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(CENT);
        assertThat(column("reserved")).as("still counted before it expires").isGreaterThanOrEqualTo(
                held.subtract(new BigDecimal("0.25")));
        clock.advance(Duration.ofMinutes(16));
        other.reserve(UUID.randomUUID(), ACME, Caller.user("u"), null, CENT).settle(CENT);
        other.close();
        assertThat(column("reserved")).isEqualByComparingTo("0");
        assertThat(column("spent")).isEqualByComparingTo("0.27");
    }
}
