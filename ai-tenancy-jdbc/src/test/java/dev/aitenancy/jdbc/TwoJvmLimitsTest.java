package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.RateLimitedException;
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
 * only printed.)
 */
class TwoJvmLimitsTest {

    static final Instant FROZEN = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ORG = OrgId.of("shared-org");
    static final int THREADS = 8;
    static final int CALLS_PER_JVM = 200;
    static final int LIMIT = 100;

    @Test
    void twoJvmsSharingPostgreSqlAdmitExactlyTheRateLimit() throws Exception {
        assertExactly("rate");
    }

    @Test
    void twoJvmsSharingPostgreSqlNeverSpendBeyondAHardBudget() throws Exception {
        assertExactly("budget");
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
            toOther.write("go\n".getBytes(StandardCharsets.UTF_8));
            toOther.flush();
            int[] here = hammer(db.dataSource(), mode);
            String reply = fromOther.readLine();
            assertThat(other.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(reply).matches("admitted \\d+ refused \\d+");
            String[] parts = reply.split(" ");
            int admittedThere = Integer.parseInt(parts[1]);
            int refusedThere = Integer.parseInt(parts[3]);
            System.err.println("two JVMs (" + mode + "): admitted " + here[0] + " here and " + admittedThere
                    + " there");
            assertThat(here[0] + admittedThere).isEqualTo(LIMIT);
            assertThat(here[0] + here[1]).as("every call of this JVM was answered").isEqualTo(CALLS_PER_JVM);
            assertThat(admittedThere + refusedThere).as("every call of the other JVM was answered")
                    .isEqualTo(CALLS_PER_JVM);
            if (mode.equals("budget")) {
                BigDecimal spent = jdbc.jdbi().withHandle(h -> h.createQuery(
                        "SELECT spent FROM ai_budget_usage WHERE org_id = :org").bind("org", ORG.value())
                        .mapTo(BigDecimal.class).one());
                assertThat(spent).isEqualByComparingTo(BigDecimal.valueOf(LIMIT));
            }
        }
    }

    /** Runs CALLS_PER_JVM calls on THREADS threads; returns {admitted, refused}. */
    static int[] hammer(DataSource ds, String mode) throws Exception {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds, Clock.fixed(FROZEN, ZoneOffset.UTC), false);
        JdbcRateLimiter limiter = jdbc.rateLimiter(new RateLimitPolicy(LIMIT, 0, 0));
        JdbcBudgetLedger ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Concurrently.run(THREADS, id -> {
            for (int i = 0; i < CALLS_PER_JVM / THREADS; i++) {
                try {
                    if (mode.equals("rate")) {
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
            // warm up (JIT, connections) on another org so both JVMs compete from the first call
            JdbcRateLimiter warmUp = AiTenancyJdbc.create(ds, Clock.fixed(FROZEN, ZoneOffset.UTC), false)
                    .rateLimiter(new RateLimitPolicy(LIMIT, 0, 0));
            for (int i = 0; i < 20; i++) {
                warmUp.acquire(new RateLimitRequest(OrgId.of("warm-up"), "w", null, 1));
            }
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            int[] result = hammer(ds, args[1]);
            System.out.println("admitted " + result[0] + " refused " + result[1]);
            System.out.flush();
        }
    }
}
