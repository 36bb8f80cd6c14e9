package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
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
 * The rate limiter alone: one acquisition (user, IP and org requests, user and org tokens per
 * minute) and its token correction per operation, 1,000 users in 100 orgs, limits high enough that
 * nothing is refused. Run it with {@code -t 1} for a lone caller's cost and {@code -t 64} for
 * calls arriving together (on a database, the pool has 4 connections as a host's would).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RateLimiterBenchmark {

    /** {@code memory}, {@code h2} or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"memory", "h2"})
    public String store;

    private Databases.Opened db;
    private RateLimiter limiter;
    private final AtomicLong n = new AtomicLong();

    @Setup
    public void setUp() {
        RateLimitPolicy generous = new RateLimitPolicy(1_000_000, 1_000_000, 1_000_000)
                .withTokensPerMinute(1_000_000_000L, 1_000_000_000L);
        if (store.equals("memory")) {
            limiter = new InMemoryRateLimiter(Clock.systemUTC(), generous);
        } else {
            db = Databases.open(store);
            limiter = AiTenancyJdbc.create(db.dataSource()).rateLimiter(generous);
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        if (limiter instanceof AutoCloseable closeable) {
            closeable.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Benchmark
    public void acquireAndSettle() {
        long i = n.incrementAndGet();
        OrgId org = OrgId.of("org-" + (i % 100));
        String user = "user-" + (i / 100 % 10);
        limiter.acquire(new RateLimitRequest(org, user, "10.0.0." + (i % 250), 2_000)).settle(500);
    }
}
