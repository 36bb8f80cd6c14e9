package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Two JVM processes, 200 concurrent calls each, against one limit of 100 in the shared PostgreSQL:
 * a rate limit of 100 requests a minute, and a hard budget of 100 USD with calls that reserve and
 * spend 1 USD each. Exactly 100 calls are admitted in all, every other call is refused, and the
 * budget's spend is exactly 100 USD. (How the 100 split between the JVMs depends on timing and is
 * only printed.) The same with a rate limit of 4,000 that both admit from slices of, and a JVM
 * killed while it holds a slice.
 */
class TwoJvmLimitsTest {

    static final Instant FROZEN = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ORG = OrgId.of("shared-org");
    static final int THREADS = 8;
    static final int LIMIT = 100;
    /** A limit large enough that each JVM admits most calls from slices of it (1/50 each). */
    static final int SLICED_LIMIT = 4_000;

    @Test
    void twoJvmsSharingPostgreSqlAdmitExactlyTheRateLimit() throws Exception {
        assertExactly("rate");
    }

    @Test
    void twoJvmsSharingPostgreSqlNeverSpendBeyondAHardBudget() throws Exception {
        assertExactly("budget");
    }

    @Test
    void twoJvmsAdmittingFromSlicesOfOneRateLimitAdmitExactlyIt() throws Exception {
        assertExactly("rate-sliced");
    }

    /**
     * The other JVM takes a slice of a limit of 1,000 and is killed (SIGKILL) right after its second
     * call (the first of a minute takes none), while it goes on calling (so the slice is never idle), and never gives its unused room back: that room stays counted — this JVM admits exactly what the
     * database has left, never more — until the minute ends, when the whole limit is there again.
     */
    @Test
    void aJvmKilledHoldingASliceLeavesItCountedUntilTheMinuteEnds() throws Exception {
        try (TestDatabase.Db db = TestDatabase.POSTGRESQL.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Worker.class.getName(), db.name(), "hold")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader fromOther = new BufferedReader(
                    new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertThat(fromOther.readLine()).isEqualTo("ready");
            other.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            other.getOutputStream().flush();
            assertThat(fromOther.readLine()).isEqualTo("admitted"); // counted alone
            assertThat(fromOther.readLine()).isEqualTo("admitted"); // with a slice
            other.destroyForcibly();
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
            long counted = jdbc.jdbi().withHandle(h -> h.createQuery("SELECT hits FROM ai_rate_counters WHERE "
                    + "org_id = :org AND scope = 'user' AND subject = 'holder'").bind("org", ORG.value())
                    .mapTo(Long.class).one());

            // its second call took a slice; the calls after it (one each 100 ms) came from that slice
            assertThat(counted).as("the dead JVM's calls and its slice")
                    .isEqualTo(2 + HELD_LIMIT / RateSlices.SLICE_DIVISOR);
            assertThat(callsUntilRefused(db.dataSource(), FROZEN, HELD_LIMIT * 2)).isEqualTo(HELD_LIMIT - counted);
            assertThat(callsUntilRefused(db.dataSource(), FROZEN.plusSeconds(60), HELD_LIMIT * 2))
                    .isEqualTo(HELD_LIMIT);
        }
    }

    static final int HELD_LIMIT = 1_000;

    /** A fresh limiter (an instance) at {@code at} calls for user "holder" until refused. */
    private static long callsUntilRefused(DataSource direct, Instant at, int most) {
        try (HikariDataSource ds = FaultFixtures.pool(direct, 2, Duration.ofSeconds(30))) {
            return countUntilRefused(ds, at, most);
        }
    }

    private static long countUntilRefused(DataSource ds, Instant at, int most) {
        JdbcRateLimiter limiter = AiTenancyJdbc.create(ds, Clock.fixed(at, ZoneOffset.UTC), false)
                .rateLimiter(new RateLimitPolicy(HELD_LIMIT, 0, 0));
        try {
            for (int i = 0; i < most; i++) {
                try {
                    limiter.acquire(new RateLimitRequest(ORG, "holder", null, 0));
                } catch (RateLimitedException e) {
                    return i;
                }
            }
            return most;
        } finally {
            limiter.close();
        }
    }

    private void assertExactly(String mode) throws Exception {
        try (TestDatabase.Db db = TestDatabase.POSTGRESQL.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource()); // migrate once before both sides start
            Budget budget = Budget.hard(ORG, Budget.Scope.ORG, null, Budget.Period.MONTHLY, BigDecimal.valueOf(LIMIT));
            jdbc.budgetLedger(BudgetAlertListener.NONE).setBudget(budget);

            Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Worker.class.getName(), db.name(), mode)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader fromOther = new BufferedReader(
                    new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertThat(fromOther.readLine()).isEqualTo("ready");
            OutputStream toOther = other.getOutputStream();
            int[] here;
            try (HikariDataSource pool = warmPool(db.dataSource())) {
                toOther.write("go\n".getBytes(StandardCharsets.UTF_8));
                toOther.flush();
                here = hammerPooled(pool, mode);
            }
            String reply = fromOther.readLine();
            assertThat(other.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(reply).matches("admitted \\d+ refused \\d+");
            String[] parts = reply.split(" ");
            int admittedThere = Integer.parseInt(parts[1]);
            int refusedThere = Integer.parseInt(parts[3]);
            System.err.println("two JVMs (" + mode + "): admitted " + here[0] + " here and " + admittedThere
                    + " there");
            assertThat(here[0] + admittedThere).isEqualTo(limitOf(mode));
            assertThat(here[0] + here[1]).as("every call of this JVM was answered").isEqualTo(callsPerJvm(mode));
            assertThat(admittedThere + refusedThere).as("every call of the other JVM was answered")
                    .isEqualTo(callsPerJvm(mode));
            if (mode.equals("budget")) {
                BigDecimal spent = jdbc.jdbi().withHandle(h -> h.createQuery(
                        "SELECT spent FROM ai_budget_usage WHERE org_id = :org").bind("org", ORG.value())
                        .mapTo(BigDecimal.class).one());
                assertThat(spent).isEqualByComparingTo(BigDecimal.valueOf(LIMIT));
            }
        }
    }

    /** Calls per JVM in a mode: twice the limit each (so both JVMs run into it). */
    static int callsPerJvm(String mode) {
        return limitOf(mode) * 2;
    }

    static int limitOf(String mode) {
        return mode.equals("rate-sliced") ? SLICED_LIMIT : LIMIT;
    }

    /** A pool of THREADS connections, all opened, so both JVMs compete from the first call. */
    static HikariDataSource warmPool(DataSource direct) throws java.sql.SQLException {
        HikariDataSource pool = FaultFixtures.pool(direct, THREADS, Duration.ofSeconds(30));
        java.util.List<java.sql.Connection> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < THREADS; i++) {
                open.add(pool.getConnection());
            }
        } finally {
            for (java.sql.Connection c : open) {
                c.close();
            }
        }
        return pool;
    }

    /**
     * Runs callsPerJvm(mode) calls on THREADS threads over a warm HikariCP pool (as a host runs
     * the stores: a connection per call would measure PostgreSQL's authentication instead);
     * returns {admitted, refused}.
     */
    static int[] hammerPooled(DataSource ds, String mode) throws Exception {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds, Clock.fixed(FROZEN, ZoneOffset.UTC), false);
        JdbcRateLimiter limiter = jdbc.rateLimiter(new RateLimitPolicy(limitOf(mode), 0, 0));
        try {
            return hammer(jdbc, limiter, mode);
        } finally {
            limiter.close();
        }
    }

    private static int[] hammer(AiTenancyJdbc jdbc, JdbcRateLimiter limiter, String mode) throws Exception {
        JdbcBudgetLedger ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Concurrently.run(THREADS, id -> {
            for (int i = 0; i < callsPerJvm(mode) / THREADS; i++) {
                try {
                    if (mode.startsWith("rate")) {
                        limiter.acquire(new RateLimitRequest(ORG, "same-user", null, 10));
                    } else {
                        ledger.reserve(ORG, Caller.user("u" + id), null, BigDecimal.ONE).settle(BigDecimal.ONE);
                    }
                    admitted.incrementAndGet();
                } catch (RateLimitedException | BudgetExceededException e) {
                    refused.incrementAndGet();
                }
            }
        });
        return new int[] {admitted.get(), refused.get()};
    }

    /** The second JVM: warms up, waits for "go" on stdin, runs its calls, prints "admitted N refused M". */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(System.getenv("AI_TENANCY_TEST_PG_URL"));
            ds.setUser(System.getenv("AI_TENANCY_TEST_PG_USER"));
            ds.setPassword(System.getenv("AI_TENANCY_TEST_PG_PASSWORD"));
            ds.setCurrentSchema(args[0]);
            HikariDataSource pool = warmPool(ds);
            // warm up (JIT, connections) on another org so both JVMs compete from the first call
            JdbcRateLimiter warmUp = AiTenancyJdbc.create(pool, Clock.fixed(FROZEN, ZoneOffset.UTC), false)
                    .rateLimiter(new RateLimitPolicy(LIMIT, 0, 0));
            for (int i = 0; i < 20; i++) {
                warmUp.acquire(new RateLimitRequest(OrgId.of("warm-up"), "w", null, 1));
            }
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (args[1].equals("hold")) { // calls every 100 ms, so its slice is never idle, until killed
                JdbcRateLimiter holder = AiTenancyJdbc.create(pool, Clock.fixed(FROZEN, ZoneOffset.UTC), false)
                        .rateLimiter(new RateLimitPolicy(HELD_LIMIT, 0, 0));
                while (true) {
                    holder.acquire(new RateLimitRequest(ORG, "holder", null, 0));
                    System.out.println("admitted");
                    System.out.flush();
                    Thread.sleep(100);
                }
            }
            int[] result = hammerPooled(pool, args[1]);
            System.out.println("admitted " + result[0] + " refused " + result[1]);
            System.out.flush();
        }
    }
}
