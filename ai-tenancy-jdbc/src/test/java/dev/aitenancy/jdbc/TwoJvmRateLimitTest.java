package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two JVM processes, 200 concurrent calls each, against one limit of 100 per minute in the shared
 * PostgreSQL: exactly 100 are admitted in all, and every other call is refused. (How the 100 split
 * between the JVMs depends on timing and is only printed.)
 */
class TwoJvmRateLimitTest {

    static final Instant FROZEN = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ORG = OrgId.of("shared-org");
    static final int THREADS = 8;
    static final int CALLS_PER_JVM = 200;
    static final int LIMIT = 100;

    @Test
    void twoJvmsSharingPostgreSqlAdmitExactlyTheLimit() throws Exception {
        try (TestDatabase.Db db = TestDatabase.POSTGRESQL.open()) {
            AiTenancyJdbc.create(db.dataSource()); // migrate once before both sides start

            Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Worker.class.getName(), db.name())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader fromOther = new BufferedReader(
                    new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertThat(fromOther.readLine()).isEqualTo("ready");
            OutputStream toOther = other.getOutputStream();
            toOther.write("go\n".getBytes(StandardCharsets.UTF_8));
            toOther.flush();
            int[] here = hammer(AiTenancyJdbc.create(db.dataSource(), Clock.fixed(FROZEN, ZoneOffset.UTC), false)
                    .rateLimiter(new RateLimitPolicy(LIMIT, 0, 0)));
            String reply = fromOther.readLine();
            assertThat(other.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(reply).matches("admitted \\d+ refused \\d+");
            String[] parts = reply.split(" ");
            int admittedThere = Integer.parseInt(parts[1]);
            int refusedThere = Integer.parseInt(parts[3]);
            System.err.println("two JVMs: admitted " + here[0] + " here and " + admittedThere + " there");
            assertThat(here[0] + admittedThere).isEqualTo(LIMIT);
            assertThat(here[0] + here[1]).as("every call of this JVM was answered").isEqualTo(CALLS_PER_JVM);
            assertThat(admittedThere + refusedThere).as("every call of the other JVM was answered")
                    .isEqualTo(CALLS_PER_JVM);
        }
    }

    /** Runs CALLS_PER_JVM calls on THREADS threads; returns {admitted, refused}. */
    static int[] hammer(JdbcRateLimiter limiter) throws Exception {
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Concurrently.run(THREADS, id -> {
            for (int i = 0; i < CALLS_PER_JVM / THREADS; i++) {
                try {
                    limiter.acquire(new RateLimitRequest(ORG, "same-user", null, 10));
                    admitted.incrementAndGet();
                } catch (RateLimitedException e) {
                    refused.incrementAndGet();
                }
            }
        });
        return new int[] {admitted.get(), refused.get()};
    }

    /** The second JVM: waits for "go" on stdin, hammers the limiter, prints "admitted N". */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(System.getenv("AI_TENANCY_TEST_PG_URL"));
            ds.setUser(System.getenv("AI_TENANCY_TEST_PG_USER"));
            ds.setPassword(System.getenv("AI_TENANCY_TEST_PG_PASSWORD"));
            ds.setCurrentSchema(args[0]);
            JdbcRateLimiter limiter = AiTenancyJdbc.create(ds, Clock.fixed(FROZEN, ZoneOffset.UTC), false)
                    .rateLimiter(new RateLimitPolicy(LIMIT, 0, 0));
            // warm up (JIT, connections) on another org so both JVMs compete from the first call
            for (int i = 0; i < 20; i++) {
                limiter.acquire(new RateLimitRequest(OrgId.of("warm-up"), "w", null, 1));
            }
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            int[] result = hammer(limiter);
            System.out.println("admitted " + result[0] + " refused " + result[1]);
            System.out.flush();
        }
    }
}
