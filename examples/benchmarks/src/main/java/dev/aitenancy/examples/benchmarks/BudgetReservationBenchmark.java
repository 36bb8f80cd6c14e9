package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Budget reservations alone on a database: each operation reserves a call's worst case against its
 * org's monthly and its user's daily hard budget (1,000 users in 100 orgs, limits high enough that
 * nothing is refused), and settles it. Run it on one thread for a lone call's cost and with
 * {@code -t 64} for many calls reserving at the same moment; settlement is a transaction of its
 * own here (in {@code LLMJob} the usage writer does it in its batches), so the reservation is about
 * half of each operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BudgetReservationBenchmark {

    /** {@code h2} or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"h2"})
    public String store;

    private static final BigDecimal WORST_CASE = new BigDecimal("0.01");
    private static final BigDecimal ACTUAL = new BigDecimal("0.002");

    private Databases.Opened db;
    private BudgetStore ledger;
    private final AtomicLong n = new AtomicLong();

    @Setup
    public void setUp() {
        db = Databases.open(store);
        ledger = AiTenancyJdbc.create(db.dataSource()).withConfigCache(java.time.Duration.ofSeconds(5))
                .budgetLedger(BudgetAlertListener.NONE);
        GovernedSetup.setBudgets(ledger);
    }

    @TearDown
    public void tearDown() {
        db.close();
    }

    @Benchmark
    public void reserveAndSettle() {
        long i = n.incrementAndGet();
        BudgetReservation r = ledger.reserve(OrgId.of("org-" + (i % 100)), Caller.user("user-" + (i / 100 % 10)),
                null, WORST_CASE);
        r.settle(ACTUAL);
    }
}
