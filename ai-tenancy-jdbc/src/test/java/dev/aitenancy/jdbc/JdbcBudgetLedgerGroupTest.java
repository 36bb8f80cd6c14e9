package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.jdbc.testing.ForwardingDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reservations decided in groups, on H2 and PostgreSQL: many calls at once admit exactly what a
 * hard budget holds; a group mixing admissions and refusals under several budgets commits exactly
 * the admitted calls; groups never mix orgs; a group the database refuses is decided call by call;
 * a database that cannot be reached fails every call waiting, and holds nothing.
 *
 * <p>To make a group of known calls, the test holds the first caller (the group's leader) at the
 * data source until the others have queued behind it; they are then decided together, in the
 * order they arrived.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcBudgetLedgerGroupTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private GatedDataSource gated;
    private JdbcBudgetLedger ledger;
    private Jdbi jdbi;

    static BigDecimal usd(String v) {
        return new BigDecimal(v);
    }

    private void open() {
        gated = new GatedDataSource(databases.open(database));
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(gated, Clock.fixed(NOW, ZoneOffset.UTC), true)
                .withConfigCache(Duration.ofMinutes(5)); // after the first call, reserving reads only usage rows
        ledger = jdbc.budgetLedger(BudgetAlertListener.NONE, Duration.ofMinutes(15), false); // call by call
        jdbi = jdbc.jdbi();
    }

    @AfterEach
    void drop() {
        if (gated != null) {
            gated.open();
        }
        threads.shutdownNow();
        databases.closeAll();
    }

    @Test
    void sixtyFourThreadsAdmitExactlyWhatAHardBudgetHolds() throws Exception {
        open();
        int fits = 50;
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, BigDecimal.valueOf(fits)));
        ledger.setBudget(new Budget(ACME, Budget.Scope.GROUP, "staff", Budget.Period.DAILY, usd("1000"), false, null,
                ZoneId.of("UTC")));
        List<BudgetReservation> admitted = new CopyOnWriteArrayList<>();
        AtomicInteger refused = new AtomicInteger();
        Caller first = Caller.user("first").withGroups(Set.of("staff"));
        admitted.add(ledger.reserve(ACME, first, null, usd("1.00"))); // reads the budgets, creates the usage rows

        // the first round's leader waits at the data source until every other caller has queued
        gated.close();
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            awaitQueued(() -> gated.waiters() == 1 && ledger.reservationGroups().waiting()
                    + ledger.reservationGroups().largestGroup() == 64);
            gated.open();
        }, threads);
        Concurrently.run(64, t -> {
            Caller caller = Caller.user("u" + t).withGroups(Set.of("staff"));
            for (int i = 0; i < 3; i++) {
                try {
                    admitted.add(ledger.reserve(ACME, caller, null, usd("1.00")));
                } catch (BudgetExceededException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.AI_BUDGET_EXCEEDED);
                    refused.incrementAndGet();
                }
            }
        });
        release.get(30, TimeUnit.SECONDS);

        assertThat(ledger.reservationGroups().largestGroup()).as("64 callers in two groups")
                .isGreaterThanOrEqualTo(32);
        assertThat(admitted).hasSize(fits);
        assertThat(refused.get()).isEqualTo(64 * 3 + 1 - fits);
        assertThat(usage(ACME, "ORG::MONTHLY")).containsExactly("0", String.valueOf(fits));
        assertThat(usage(ACME, "GROUP:staff:DAILY")).containsExactly("0", String.valueOf(fits));
        assertThat(count("SELECT COUNT(*) FROM ai_budget_reservations")).isEqualTo(2 * fits);
        BigDecimal held = jdbi.withHandle(h -> h.createQuery("SELECT SUM(amount) FROM ai_budget_reservations")
                .mapTo(BigDecimal.class).one());
        assertThat(held).isEqualByComparingTo(BigDecimal.valueOf(2L * fits));

        // every admitted call settles what it reserved at most: the budget never goes beyond its limit
        Concurrently.run(8, t -> {
            for (int i = t; i < admitted.size(); i += 8) {
                admitted.get(i).settle(usd("0.50"));
            }
        });
        assertThat(usage(ACME, "ORG::MONTHLY")).containsExactly(String.valueOf(fits / 2), "0");
        assertThat(count("SELECT COUNT(*) FROM ai_budget_reservations")).isZero();
        BudgetExceededException over = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, first, null, usd(fits / 2 + ".01")));
        assertThat(over.getMessage()).contains("has " + fits / 2 + " USD left");
        ledger.reserve(ACME, first, null, BigDecimal.valueOf(fits / 2)).settle(BigDecimal.ZERO);
    }

    @Test
    void aGroupMixingAdmissionsAndRefusalsCommitsExactlyTheAdmittedCalls() throws Exception {
        open();
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, usd("2.00")));
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.USER, "frank", Budget.Period.DAILY, usd("1.00")));
        ledger.setBudget(new Budget(ACME, Budget.Scope.USER, "erin", Budget.Period.DAILY, usd("0.10"), false, null,
                ZoneId.of("UTC")));
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.GROUP, "support", Budget.Period.WEEKLY, usd("1.50")));
        // caches the budgets; then the group creates the usage rows
        ledger.reserve(ACME, Caller.user("warm-up"), null, BigDecimal.ZERO).settle(BigDecimal.ZERO);
        jdbi.useHandle(h -> h.execute("DELETE FROM ai_budget_usage"));

        record Try(Caller caller, BigDecimal worstCase) {
        }
        List<Try> tries = List.of(
                new Try(Caller.user("alice"), usd("0.60")),  // 0: fits the org's 2.00
                new Try(Caller.user("frank"), usd("1.20")),  // 1: fits the org's 1.40 left, not frank's 1.00
                new Try(Caller.user("bob"), usd("0.90")),    // 2: fits: frank's refusal held nothing
                new Try(Caller.user("dave").withGroups(Set.of("support")), null), // 3: unpriced, hard group
                new Try(Caller.user("erin"), usd("0.30")),   // 4: fits the org, overruns erin's soft budget
                new Try(Caller.user("carol"), usd("0.30")),  // 5: 0.20 left
                new Try(Caller.user("grace"), usd("0.20")),  // 6: exactly the 0.20 left
                new Try(Caller.user("dan"), usd("0.01")));   // 7: nothing left
        List<UUID> ids = new ArrayList<>();
        List<CompletableFuture<BudgetReservation>> results = new ArrayList<>();

        gated.close();
        CompletableFuture<BudgetReservation> leader = CompletableFuture.supplyAsync(
                () -> ledger.reserve(ACME, Caller.user("leader"), null, BigDecimal.ZERO), threads);
        awaitQueued(() -> gated.waiters() == 1);
        for (int i = 0; i < tries.size(); i++) {
            Try t = tries.get(i);
            UUID id = UUID.randomUUID();
            ids.add(id);
            results.add(CompletableFuture.supplyAsync(() -> ledger.reserve(id, ACME, t.caller(), null, t.worstCase()),
                    threads));
            int queued = i + 1;
            awaitQueued(() -> ledger.reservationGroups().waiting() == queued); // one by one, in this order
        }
        gated.open();
        leader.get(30, TimeUnit.SECONDS);
        Map<Integer, Throwable> refusals = new HashMap<>();
        Map<Integer, BudgetReservation> admitted = new HashMap<>();
        for (int i = 0; i < results.size(); i++) {
            try {
                admitted.put(i, results.get(i).get(30, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                refusals.put(i, e.getCause());
            }
        }

        assertThat(ledger.reservationGroups().largestGroup()).as("one group").isEqualTo(tries.size());
        assertThat(admitted.keySet()).containsExactlyInAnyOrder(0, 2, 4, 6);
        assertThat(refusals.keySet()).containsExactlyInAnyOrder(1, 3, 5, 7);
        assertThat(refusals.values()).allSatisfy(e -> assertThat(e).isInstanceOf(BudgetExceededException.class));
        assertThat(message(refusals.get(1))).isEqualTo("the user frank daily budget of 1 USD of org acme has 1 USD "
                + "left and this call may cost up to 1.2 USD; lower max output tokens, or an admin can raise the "
                + "budget");
        assertThat(((BudgetExceededException) refusals.get(3)).code()).isEqualTo(ErrorCode.AI_BUDGET_UNPRICED_MODEL);
        assertThat(message(refusals.get(3))).startsWith("this call's model has no price, and the hard group support "
                + "weekly budget of 1.5 USD of org acme admits only calls it can count");
        assertThat(message(refusals.get(5))).contains("org monthly budget of 2 USD of org acme has 0.2 USD left");
        assertThat(message(refusals.get(7))).contains("org acme has 0 USD left");
        assertThat(refusals.get(7).getStackTrace()).as("the refusal is thrown with its caller's stack")
                .anySatisfy(frame -> assertThat(frame.getMethodName()).contains("aGroupMixing"));
        assertThat(admitted.get(4).softBudgetsOverrun()).extracting(Budget::describe)
                .containsExactly("user erin daily budget of 0.1 USD");
        assertThat(admitted.get(0).softBudgetsOverrun()).isEmpty();

        assertThat(usage(ACME, "ORG::MONTHLY")).containsExactly("0", "2");
        assertThat(usage(ACME, "USER:frank:DAILY")).containsExactly("0", "0");
        assertThat(usage(ACME, "USER:erin:DAILY")).containsExactly("0", "0.3");
        assertThat(usage(ACME, "GROUP:support:WEEKLY")).containsExactly("0", "0");
        Map<UUID, Integer> rows = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT id FROM ai_budget_reservations WHERE amount > 0")
                .mapTo(UUID.class).forEach(id -> rows.merge(id, 1, Integer::sum)));
        assertThat(rows).isEqualTo(Map.of(ids.get(0), 1, ids.get(2), 1, ids.get(4), 2, ids.get(6), 1));

        admitted.values().forEach(r -> r.settle(null)); // unknown cost: the worst case counts as spent
        assertThat(usage(ACME, "ORG::MONTHLY")).containsExactly("2", "0");
        assertThat(usage(ACME, "USER:erin:DAILY")).containsExactly("0.3", "0");
        assertThat(count("SELECT COUNT(*) FROM ai_budget_reservations WHERE amount > 0")).isZero();
    }

    @Test
    void callsOfSeveralOrgsAreDecidedInOneGroup() throws Exception {
        open();
        for (OrgId org : List.of(ACME, GLOBEX)) {
            ledger.setBudget(Budget.hard(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY, usd("10")));
            ledger.reserve(org, Caller.user("warm-up"), null, BigDecimal.ZERO).settle(BigDecimal.ZERO);
        }

        gated.close();
        List<CompletableFuture<BudgetReservation>> calls = new ArrayList<>();
        calls.add(CompletableFuture.supplyAsync(() -> ledger.reserve(ACME, Caller.user("a0"), null, usd("1")),
                threads));
        awaitQueued(() -> gated.waiters() == 1);
        for (int i = 1; i <= 3; i++) {
            Caller a = Caller.user("a" + i);
            Caller g = Caller.user("g" + i);
            calls.add(CompletableFuture.supplyAsync(() -> ledger.reserve(ACME, a, null, usd("1")), threads));
            calls.add(CompletableFuture.supplyAsync(() -> ledger.reserve(GLOBEX, g, null, usd("1")), threads));
        }
        awaitQueued(() -> ledger.reservationGroups().waiting() == 6);
        gated.open();
        for (CompletableFuture<BudgetReservation> f : calls) {
            f.get(30, TimeUnit.SECONDS);
        }

        assertThat(ledger.reservationGroups().largestGroup()).as("acme's and globex's callers together").isEqualTo(6);
        assertThat(usage(ACME, "ORG::MONTHLY")).containsExactly("0", "4");
        assertThat(usage(GLOBEX, "ORG::MONTHLY")).containsExactly("0", "3");
    }

    @Test
    void whenTheDatabaseCannotBeReachedEveryWaitingCallGetsTheFailureAndNothingIsHeld() throws Exception {
        open();
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, usd("10")));
        ledger.reserve(ACME, Caller.user("warm-up"), null, usd("1")).settle(BigDecimal.ZERO);

        gated.close();
        CompletableFuture<BudgetReservation> leader = CompletableFuture.supplyAsync(
                () -> ledger.reserve(ACME, Caller.user("leader"), null, usd("1")), threads);
        awaitQueued(() -> gated.waiters() == 1);
        List<CompletableFuture<BudgetReservation>> followers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Caller caller = Caller.user("u" + i);
            followers.add(CompletableFuture.supplyAsync(() -> ledger.reserve(ACME, caller, null, usd("1")), threads));
        }
        awaitQueued(() -> ledger.reservationGroups().waiting() == 5);
        gated.down = true;
        gated.open();

        for (CompletableFuture<BudgetReservation> f : followers) {
            Throwable failure = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                    () -> f.get(30, TimeUnit.SECONDS)).getCause();
            assertThat(failure).isNotInstanceOf(BudgetExceededException.class);
            assertThat(Failures.isUnreachable(failure)).as("%s", failure).isTrue();
        }
        assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> leader.get(30, TimeUnit.SECONDS)).getCause()).satisfies(f -> assertThat(Failures.isUnreachable(f))
                .isTrue());
        assertThat(ledger.reservationGroups().largestGroup())
                .as("the callers queued behind the leader got its failure without an attempt of their own")
                .isEqualTo(1);

        gated.down = false;
        assertThat(usage(ACME, "ORG::MONTHLY")).containsExactly("0", "0");
        assertThat(count("SELECT COUNT(*) FROM ai_budget_reservations")).isZero();
        ledger.reserve(ACME, Caller.user("after"), null, usd("10")).settle(usd("10"));
    }

    @Test
    void aGroupTheDatabaseRefusesIsDecidedCallByCallSoOnlyTheRefusedCallFails() throws Exception {
        open();
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, usd("10")));
        ledger.reserve(ACME, Caller.user("warm-up"), null, usd("1")).settle(BigDecimal.ZERO);
        UUID twice = UUID.randomUUID();
        UUID other = UUID.randomUUID();

        gated.close();
        CompletableFuture<BudgetReservation> leader = CompletableFuture.supplyAsync(
                () -> ledger.reserve(ACME, Caller.user("leader"), null, usd("1")), threads);
        awaitQueued(() -> gated.waiters() == 1);
        List<CompletableFuture<BudgetReservation>> calls = new ArrayList<>();
        List<UUID> ids = List.of(twice, other, twice); // the third reuses the first's id: its row cannot be inserted
        for (int i = 0; i < ids.size(); i++) {
            UUID id = ids.get(i);
            BigDecimal worstCase = usd("0." + (i + 1));
            calls.add(CompletableFuture.supplyAsync(() -> ledger.reserve(id, ACME, Caller.user("u"), null, worstCase),
                    threads));
            int queued = i + 1;
            awaitQueued(() -> ledger.reservationGroups().waiting() == queued);
        }
        gated.open();
        leader.get(30, TimeUnit.SECONDS);

        calls.get(0).get(30, TimeUnit.SECONDS);
        calls.get(1).get(30, TimeUnit.SECONDS);
        Throwable refused = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> calls.get(2).get(30, TimeUnit.SECONDS)).getCause();
        assertThat(refused).isNotInstanceOf(BudgetExceededException.class);
        assertThat(refused).isInstanceOf(org.jdbi.v3.core.statement.UnableToExecuteStatementException.class);
        assertThat(ledger.reservationGroups().largestGroup()).isEqualTo(3);
        assertThat(usage(ACME, "ORG::MONTHLY")).as("the leader's 1 and the first two calls' 0.1 and 0.2")
                .containsExactly("0", "1.3");
        Map<UUID, BigDecimal> rows = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT id, amount FROM ai_budget_reservations")
                .map((rs, ctx) -> rows.put(rs.getObject(1, UUID.class), rs.getBigDecimal(2))).list());
        assertThat(rows.get(twice)).isEqualByComparingTo("0.1");
        assertThat(rows.get(other)).isEqualByComparingTo("0.2");
        assertThat(rows).hasSize(3);
    }

    private static String message(Throwable e) {
        return e.getMessage();
    }

    /** Spent and reserved of the budget's usage row, as plain numbers ("0.3"). */
    private List<String> usage(OrgId org, String budgetKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT spent, reserved FROM ai_budget_usage WHERE org_id = :org "
                        + "AND budget_key = :key")
                .bind("org", org.value()).bind("key", budgetKey)
                .map((rs, ctx) -> List.of(rs.getBigDecimal(1), rs.getBigDecimal(2)))
                .one()).stream().map(v -> v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString()).toList();
    }

    private int count(String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }

    private static void awaitQueued(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the callers did not queue in time");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * A data source whose connections wait while it is closed (so a group's leader waits with its
     * group taken, and the callers after it queue), and that refuses connections while down.
     */
    static final class GatedDataSource extends ForwardingDataSource {
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private final AtomicInteger waiters = new AtomicInteger();
        volatile boolean down;

        GatedDataSource(DataSource real) {
            super(real);
        }

        void close() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        boolean isOpen() {
            return gate.getCount() == 0;
        }

        int waiters() {
            return waiters.get();
        }

        @Override
        public Connection getConnection() throws SQLException {
            CountDownLatch g = gate;
            if (g.getCount() > 0) {
                waiters.incrementAndGet();
                try {
                    g.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    waiters.decrementAndGet();
                }
            }
            if (down) {
                throw new SQLException("database unavailable (test)", "08001");
            }
            return super.getConnection();
        }
    }
}
