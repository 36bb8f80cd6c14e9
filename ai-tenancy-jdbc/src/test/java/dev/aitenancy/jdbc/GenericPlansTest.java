package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * On PostgreSQL the statements that take their rows as arrays ({@code unnest}, {@code = ANY}) are
 * planned once per connection, not at every execution. PostgreSQL plans a prepared statement for
 * its parameters' values five times, then keeps a generic plan only if it costs no more; a plan for
 * the values sees an array's length, so for the small batches of a lightly loaded instance it
 * always looked cheaper, and every execution was planned again (about 60 µs of planning
 * each, measured with {@code pg_stat_statements}).
 */
class GenericPlansTest {

    static final OrgId ACME = OrgId.of("acme");

    record Plans(String statement, long generic, long custom) {
    }

    @Test
    void theStatementsThatTakeArraysArePlannedOnceNotAtEveryExecution() throws Exception {
        try (TestDatabase.Db db = TestDatabase.POSTGRESQL.open()) {
            AiTenancyJdbc.migrate(db.dataSource());
            // tables of an instance that has been running a while, with planner statistics
            Jdbi.create(db.dataSource()).useHandle(h -> {
                h.execute("INSERT INTO ai_generations (id, org_id, user_id, status, started_at) SELECT "
                        + "gen_random_uuid(), 'org-' || (g % 100), 'user-' || (g % 1000), 'ok', now() "
                        + "FROM generate_series(1, 20000) g");
                h.execute("INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) SELECT "
                        + "'org-' || (g % 100), 'user', 'user-' || g, 0, 1 FROM generate_series(1, 20000) g");
                h.execute("ANALYZE");
            });
            DataSource direct = db.unpooled();
            // one connection, so every statement is prepared on the server process this test then asks
            try (HikariDataSource one = FaultFixtures.pool(direct, 1, Duration.ofSeconds(30))) {
                AiTenancyJdbc jdbc = AiTenancyJdbc.create(one, Clock.systemUTC(), false);
                JdbcBudgetLedger ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
                ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100")));
                JdbcRateLimiter limiter = jdbc.rateLimiter(new RateLimitPolicy(1_000, 1_000, 1_000));
                JdbcUsageSink sink = jdbc.usageSink();
                for (int i = 0; i < 20; i++) {
                    // a user the limiter has not seen: its counters are read and written in the database
                    limiter.acquire(new RateLimitRequest(ACME, "user-" + i, null, 0));
                    UsageRecord start = UsageRecord.builder(UUID.randomUUID(), "acme", Instant.now())
                            .userId("user-" + i).provider("openai").model("gpt-4.1-mini").build();
                    BudgetReservation r = ledger.reserve(start.id(), ACME, Caller.user("user-" + i), null,
                            new BigDecimal("0.01"));
                    sink.started(start);
                    sink.finished(start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.usd(new BigDecimal("0.002")),
                            null, null, "ok", Instant.now()), r);
                    for (int k = 0; k < 2; k++) { // never started: inserted together, a statement of arrays
                        sink.finished(UsageRecord.builder(UUID.randomUUID(), "acme", Instant.now()).userId("user-" + i)
                                .provider("openai").model("gpt-4.1-mini").build()
                                .finish(UsageStatus.ERROR, TokenUsage.UNKNOWN, Cost.unpriced(), null, null, null,
                                        Instant.now()));
                    }
                    assertThat(sink.flush(Duration.ofSeconds(10))).isTrue(); // a batch per round
                }
                List<Plans> plans = Jdbi.create(one).withHandle(h -> h.createQuery("SELECT statement, generic_plans, "
                                + "custom_plans FROM pg_prepared_statements WHERE statement LIKE '%[])%'")
                        .map((rs, ctx) -> new Plans(rs.getString(1), rs.getLong(2), rs.getLong(3))).list());
                sink.close();
                ledger.close();
                limiter.close();

                assertThat(plans).extracting(p -> p.statement().replaceAll("\\s+", " ").substring(0, 40))
                        .as("the statements that take arrays, prepared on the server")
                        .anyMatch(s -> s.startsWith("UPDATE ai_generations"))
                        .anyMatch(s -> s.startsWith("INSERT INTO ai_generations"))
                        .anyMatch(s -> s.startsWith("UPDATE ai_budget_reservations"));
                assertThat(plans).allSatisfy(p -> assertThat(p.custom())
                        .as("plans made for the values of %s…", p.statement().substring(0, 60)).isLessThanOrEqualTo(5));
            }
        }
    }
}
