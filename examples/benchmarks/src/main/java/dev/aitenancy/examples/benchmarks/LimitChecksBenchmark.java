package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
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
 * The cost per call of the limit checks: one rate-limit acquisition (user, IP, org requests and
 * user and org tokens per minute, with the token correction) and one budget reservation and
 * settlement (org and user budgets), spread over 1,000 users of 100 orgs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LimitChecksBenchmark {

    /** {@code memory}, {@code h2} or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"memory", "h2"})
    public String store;

    private Databases.Opened db;
    private RateLimiter limiter;
    private BudgetStore ledger;
    private long n;

    @Setup
    public void setUp() {
        RateLimitPolicy generous = new RateLimitPolicy(1_000_000, 1_000_000, 1_000_000)
                .withTokensPerMinute(1_000_000_000L, 1_000_000_000L);
        if (store.equals("memory")) {
            limiter = new InMemoryRateLimiter(Clock.systemUTC(), generous);
            ledger = new InMemoryBudgetLedger(Clock.systemUTC(), BudgetAlertListener.NONE);
        } else {
            db = Databases.open(store);
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            limiter = jdbc.rateLimiter(generous);
            ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
        }
        GovernedSetup.setBudgets(ledger);
    }

    @TearDown
    public void tearDown() {
        if (db != null) {
            db.close();
        }
    }

    @Benchmark
    public void rateLimitAndBudget() {
        n++;
        OrgId org = OrgId.of("org-" + (n % 100));
        String user = "user-" + (n / 100 % 10);
        limiter.acquire(new RateLimitRequest(org, user, "10.0.0." + (n % 250), 2_000)).settle(500);
        ledger.reserve(org, Caller.user(user), null, new BigDecimal("0.01")).settle(new BigDecimal("0.002"));
    }
}
