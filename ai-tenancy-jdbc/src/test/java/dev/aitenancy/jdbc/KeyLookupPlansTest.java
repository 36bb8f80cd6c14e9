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
 * The call path's lookups by key (the rate limiter's counters, the usage writer's started rows)
 * find their row through the primary key even when their plan
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

    /** A statement of the call path, the table it looks rows up in, and the key columns it must use. */
    record Lookup(String sql, String table, List<String> key) {
    }

    static List<Lookup> lookups(TestDatabase database) {
        List<String> counter = List.of("org_id", "scope", "subject", "window_start");
        return database == TestDatabase.POSTGRESQL
                // (the usage writer's UPDATE_ALL joins an unnested batch: planned on the empty table it
                // hash-joins a scan of ai_generations, until autovacuum's first ANALYZE replans it)
                ? List.of(new Lookup(RateCounters.PG_LOCK, "ai_rate_counters", counter),
                        new Lookup(RateCounters.ADD, "ai_rate_counters", counter))
                : List.of(new Lookup(RateCounters.H2_LOCK, "ai_rate_counters", counter),
                        new Lookup(RateCounters.H2_ADD, "ai_rate_counters", counter),
                        new Lookup(UsageRows.UPDATE, "ai_generations", List.of("id")));
    }

    @Test
    void lookupsByKeyUseThePrimaryKeyWhenPlannedOnAnEmptyTable() throws SQLException {
        DataSource ds = databases.open(database);
        AiTenancyJdbc.create(ds, Clock.systemUTC(), true); // migrates; the tables stay empty
        try (Connection c = ds.getConnection()) {
            for (Lookup l : lookups(database)) {
                String primaryKey = primaryKey(c, l.table());
                String plan = (database == TestDatabase.POSTGRESQL ? genericPlanPostgres(c, l.sql())
                        : planH2(c, l.sql())).toLowerCase();
                // PostgreSQL: "Index Scan using <index> on <table> ... Index Cond: (...)"; H2: "/* <index>: <condition> */"
                Matcher lookup = Pattern.compile("(?s)(?:index scan using |/\\* public\\.)(\\w+)(?: on \\w+ \\w*)?"
                        + ".*?(?:index cond: \\((.*?)\\)\\n|: (.*?)\\*/)").matcher(plan);
                assertThat(lookup.find()).as("an index lookup in the plan of %s%n%s", l.sql(), plan).isTrue();
                String condition = lookup.group(2) != null ? lookup.group(2) : lookup.group(3);
                assertThat(lookup.group(1)).as("the index in the plan of %s%n%s", l.sql(), plan).isEqualTo(primaryKey);
                for (String column : l.key()) {
                    assertThat(condition).as("the lookup of %s%n%s", l.sql(), plan).contains(column);
                }
            }
        }
    }

    /** The name of a table's primary key index (H2 names it itself). */
    private String primaryKey(Connection c, String table) throws SQLException {
        String sql = database == TestDatabase.POSTGRESQL
                ? "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t "
                        + "ON t.oid = x.indrelid WHERE x.indisprimary AND t.relname = ? AND t.relnamespace = "
                        + "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
                : "SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_NAME = UPPER(?) "
                        + "AND INDEX_TYPE_NAME = 'PRIMARY KEY'";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("the primary key index of %s", table).isTrue();
                return rs.getString(1).toLowerCase();
            }
        }
    }

    /** PostgreSQL: the generic plan (the one a pooled connection settles on), made on the empty table. */
    private static String genericPlanPostgres(Connection c, String sql) throws SQLException {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?<!:):([a-z][a-zA-Z]*)|\\?").matcher(sql);
        StringBuilder positional = new StringBuilder();
        int n = 0;
        while (m.find()) {
            String p = m.group(1) == null ? "$" + (++n) : params.computeIfAbsent(m.group(1), k -> "$" + (params.size() + 1));
            m.appendReplacement(positional, Matcher.quoteReplacement(p));
        }
        m.appendTail(positional);
        int count = Math.max(n, params.size());
        try (Statement s = c.createStatement()) {
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute("PREPARE lookup AS " + positional);
            try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE lookup("
                    + String.join(", ", java.util.Collections.nCopies(count, "NULL")) + ")")) {
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
        try (PreparedStatement p = c.prepareStatement("EXPLAIN " + sql.replaceAll("(?<!:):[a-z][a-zA-Z]*", "?"))) {
            int n = p.getParameterMetaData().getParameterCount();
            for (int i = 1; i <= n; i++) {
                p.setObject(i, null);
            }
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
