package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rate limiter's lookups by key find their row through the primary key even when their plan
 * was made on a freshly migrated, empty table, as it is in a new deployment: a pooled connection
 * keeps a prepared statement's plan for its lifetime (PostgreSQL switches to a generic plan after
 * five executions; H2 plans once per prepared statement). A plan that chose another index there
 * read every row of the current minute for each lookup, so the limiter slowed down as the minute's
 * rows grew (measured with the load harness: 1,700 calls/s falling to under 250 at 64 threads).
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class KeyLookupPlansTest {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @Test
    void rateCounterLookupsUseThePrimaryKeyWhenPlannedOnAnEmptyTable() throws SQLException {
        DataSource ds = databases.open(database);
        AiTenancyJdbc.create(ds, Clock.systemUTC(), true); // migrates; the tables stay empty
        List<String> statements = database == TestDatabase.POSTGRESQL
                ? List.of(RateCounters.PG_LOCK, RateCounters.ADD)
                : List.of(RateCounters.H2_LOCK, RateCounters.H2_ADD);
        try (Connection c = ds.getConnection()) {
            String primaryKey = database == TestDatabase.POSTGRESQL ? "ai_rate_counters_pk" : primaryKeyH2(c);
            for (String sql : statements) {
                String plan = (database == TestDatabase.POSTGRESQL ? genericPlanPostgres(c, sql) : planH2(c, sql))
                        .toLowerCase();
                // PostgreSQL: "Index Scan using <index> ... Index Cond: (...)"; H2: "/* <index>: <condition> */"
                Matcher lookup = Pattern.compile("(?s)(?:index scan using |/\\* public\\.)(\\w+).*?(?:index cond: \\((.*?)\\)\\n"
                        + "|: (.*?)\\*/)").matcher(plan);
                assertThat(lookup.find()).as("an index lookup in the plan of %s%n%s", sql, plan).isTrue();
                String condition = lookup.group(2) != null ? lookup.group(2) : lookup.group(3);
                assertThat(lookup.group(1)).as("the index in the plan of %s%n%s", sql, plan).isEqualTo(primaryKey);
                assertThat(condition).as("the lookup of %s%n%s", sql, plan)
                        .contains("org_id").contains("scope").contains("subject").contains("window_start");
            }
        }
    }

    /** H2 names a primary key's index itself. */
    private static String primaryKeyH2(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT INDEX_NAME FROM "
                + "INFORMATION_SCHEMA.INDEXES WHERE TABLE_NAME = 'AI_RATE_COUNTERS' AND INDEX_TYPE_NAME = 'PRIMARY KEY'")) {
            assertThat(rs.next()).as("the primary key index of ai_rate_counters").isTrue();
            return rs.getString(1).toLowerCase();
        }
    }

    /** PostgreSQL: the generic plan (the one a pooled connection settles on), made on the empty table. */
    private static String genericPlanPostgres(Connection c, String sql) throws SQLException {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?<!:):([a-z]+)").matcher(sql);
        StringBuilder positional = new StringBuilder();
        while (m.find()) {
            String n = params.computeIfAbsent(m.group(1), k -> "$" + (params.size() + 1));
            m.appendReplacement(positional, Matcher.quoteReplacement(n));
        }
        m.appendTail(positional);
        List<String> args = new ArrayList<>();
        for (String name : params.keySet()) {
            args.add(switch (name) {
                case "orgs", "scopes", "subjects" -> "'{x}'";
                case "windows" -> "'{1}'";
                case "amount", "window" -> "1";
                default -> "'x'";
            });
        }
        try (Statement s = c.createStatement()) {
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute("PREPARE lookup AS " + positional);
            try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE lookup(" + String.join(", ", args) + ")")) {
                StringBuilder plan = new StringBuilder();
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
                return plan.toString();
            } finally {
                s.execute("DEALLOCATE lookup");
            }
        }
    }

    /** H2: the plan of the prepared statement, made when it is prepared on the empty table. */
    private static String planH2(Connection c, String sql) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("EXPLAIN " + sql)) {
            int n = p.getParameterMetaData().getParameterCount();
            for (int i = 1; i <= n; i++) {
                p.setObject(i, "1");
            }
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
