package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcBudgetLedger;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Usage records per second through {@link JdbcUsageSink}, where one record is one call fully
 * recorded: its started row inserted, its finished record written over it, and, with
 * {@code budget=org}, its budget reservation settled in the same transaction. Started rows are not
 * counted separately. Every operation ends with {@link JdbcUsageSink#flush}, so a call counts
 * only once everything of it is committed: what is measured is sustained, not queued.
 *
 * <ul>
 * <li>{@link #startedAndFinished}: one thread, started then finished, 1,000 calls per operation
 * (each start waits for its commit, so this is mostly the latency of one start).</li>
 * <li>{@link #finishedOnly}: the write-behind alone: 1,000 calls are started (and reserved) before
 * the operation, outside the measurement; the operation queues their finished records from one
 * thread and waits until all are written.</li>
 * <li>{@link #calls64}: 64 threads, each operation 50 calls of one thread (started, then
 * finished), as calls start concurrently in a host.</li>
 * </ul>
 *
 * <p>With {@code budget=org} each call also reserves against its org's monthly hard budget (on
 * the measured path in {@code startedAndFinished} and {@code calls64}: that reservation is the
 * admission's cost, not the usage write's; in {@code finishedOnly} it happens before the
 * operation) and its finished record settles it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UsageSinkBenchmark {

    static final int CALLS = 1_000;
    static final int PER_THREAD = 50;
    static final int ORGS = 100;
    /** Users per org; a call's user is one of them. */
    static final int USERS = 10;
    static final Cost COST = Cost.usd(new BigDecimal("0.000112"));
    static final BigDecimal WORST_CASE = new BigDecimal("0.01");

    /** {@code h2} (embedded, in memory) or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"h2"})
    public String database;

    /**
     * {@code none}; {@code org}: every call reserves against its org's budget and settles it;
     * {@code orgAndUser}: against its org's monthly and its user's daily budget (as the load harness's calls).
     */
    @Param({"none", "org", "orgAndUser"})
    public String budget;

    /** Records per transaction of the writer (the library's default is 200). */
    @Param({"200"})
    public int batch;

    private Databases.Opened db;
    private JdbcUsageSink sink;
    private JdbcBudgetLedger ledger;
    private ExecutorService starters;
    private final AtomicLong n = new AtomicLong();

    @Setup
    public void setUp() {
        db = Databases.open(database);
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource()).withConfigCache(Duration.ofSeconds(5));
        sink = jdbc.usageSink(10_000, batch, Duration.ofSeconds(5));
        if (!budget.equals("none")) {
            ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
            for (int o = 0; o < ORGS; o++) {
                ledger.setBudget(Budget.hard(OrgId.of("org-" + o), Budget.Scope.ORG, null, Budget.Period.MONTHLY,
                        new BigDecimal("100000000")));
                if (budget.equals("orgAndUser")) {
                    for (int u = 0; u < USERS; u++) {
                        ledger.setBudget(Budget.hard(OrgId.of("org-" + o), Budget.Scope.USER, "user-" + u,
                                Budget.Period.DAILY, new BigDecimal("100000000")));
                    }
                }
            }
        }
        starters = Executors.newFixedThreadPool(32);
    }

    @TearDown
    public void tearDown() {
        starters.shutdownNow();
        sink.close();
        if (sink.droppedRecords() != 0) {
            throw new IllegalStateException(sink.droppedRecords() + " records dropped");
        }
        db.close();
    }

    /** A new call: started record, and its reservation when there is a budget (else null). */
    private BudgetReservation reserve(UsageRecord start) {
        if (ledger == null) {
            return null;
        }
        return ledger.reserve(start.id(), OrgId.of(start.orgId()), Caller.user(start.userId()), null, WORST_CASE);
    }

    private UsageRecord newCall() {
        long i = n.incrementAndGet();
        return UsageRecord.builder(UUID.randomUUID(), "org-" + (i % ORGS), Instant.now())
                .userId("user-" + (i / ORGS % USERS)).provider("openai").model("gpt-4.1-mini").feature("generic-text")
                .correlationId("corr-" + i).inputText("Summarize the attached text").build();
    }

    private static UsageRecord finished(UsageRecord start) {
        return start.finish(UsageStatus.OK, TokenUsage.of(120, 40), COST, null, null, "Three short bullets.",
                Instant.now());
    }

    private void finish(UsageRecord start, BudgetReservation reservation) {
        if (reservation == null) {
            sink.finished(finished(start));
        } else {
            sink.finished(finished(start), reservation);
        }
    }

    private void flush() {
        if (!sink.flush(Duration.ofMinutes(1))) {
            throw new IllegalStateException("records not written within a minute");
        }
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public long startedAndFinished() {
        for (int i = 0; i < CALLS; i++) {
            UsageRecord start = newCall();
            BudgetReservation reservation = reserve(start);
            sink.started(start);
            finish(start, reservation);
        }
        flush();
        return sink.writtenRecords();
    }

    /** The calls {@link #finishedOnly} finishes: started (and reserved) before it, from 32 threads. */
    @State(Scope.Benchmark)
    public static class Started {
        final List<UsageRecord> calls = new ArrayList<>(CALLS);
        final List<BudgetReservation> reservations = new ArrayList<>(CALLS);

        @Setup(Level.Invocation)
        public void start(UsageSinkBenchmark bench) throws Exception {
            calls.clear();
            reservations.clear();
            List<Future<BudgetReservation>> reserved = new ArrayList<>(CALLS);
            for (int i = 0; i < CALLS; i++) {
                UsageRecord start = bench.newCall();
                calls.add(start);
                reserved.add(bench.starters.submit(() -> {
                    BudgetReservation r = bench.reserve(start);
                    bench.sink.started(start);
                    return r;
                }));
            }
            for (Future<BudgetReservation> f : reserved) {
                reservations.add(f.get());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public long finishedOnly(Started started) {
        for (int i = 0; i < CALLS; i++) {
            finish(started.calls.get(i), started.reservations.get(i));
        }
        flush();
        return sink.writtenRecords();
    }

    @Benchmark
    @Threads(64)
    @OperationsPerInvocation(PER_THREAD)
    public long calls64() {
        for (int i = 0; i < PER_THREAD; i++) {
            UsageRecord start = newCall();
            BudgetReservation reservation = reserve(start);
            sink.started(start);
            finish(start, reservation);
        }
        flush();
        return sink.writtenRecords();
    }
}
