package dev.aitenancy.jdbc.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The databases every JDBC test runs on. {@link #open()} gives a fresh, empty database of its own
 * (an H2 in-memory database, or a new schema in the PostgreSQL that {@code scripts/test-all.sh}
 * started, behind a HikariCP pool of up to 16 connections); closing it drops everything.
 *
 * <p>PostgreSQL comes from {@code AI_TENANCY_TEST_PG_URL} / {@code _USER} / {@code _PASSWORD}.
 * Without them a PostgreSQL test fails under CI ({@code CI} set) and is skipped elsewhere, so it
 * never passes silently on H2 alone.
 */
public enum TestDatabase {
    H2,
    POSTGRESQL;

    /** An isolated database; close it to drop it. */
    public Db open() {
        String id = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        return switch (this) {
            case H2 -> {
                JdbcDataSource ds = new JdbcDataSource();
                ds.setURL("jdbc:h2:mem:" + id + ";DB_CLOSE_DELAY=-1");
                ds.setUser("sa");
                yield new Db(this, ds, id);
            }
            case POSTGRESQL -> {
                PGSimpleDataSource admin = postgres(null);
                execute(admin, "CREATE SCHEMA " + id);
                // pooled as a host runs it: opening a PostgreSQL connection costs 20-30 ms on a
                // small machine, which a connection per statement would pay thousands of times
                yield new Db(this, new Pooled(FaultFixtures.pool(postgres(id), 16, Duration.ofSeconds(30))), id);
            }
        };
    }

    private static PGSimpleDataSource postgres(String schema) {
        String url = System.getenv("AI_TENANCY_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            String why = "no PostgreSQL configured (AI_TENANCY_TEST_PG_URL); run ./scripts/test-all.sh";
            if (System.getenv("CI") != null) {
                fail(why);
            }
            assumeTrue(false, why);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(System.getenv("AI_TENANCY_TEST_PG_USER"));
        ds.setPassword(System.getenv("AI_TENANCY_TEST_PG_PASSWORD"));
        if (schema != null) {
            ds.setCurrentSchema(schema);
        }
        return ds;
    }

    static void execute(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("could not run: " + sql, e);
        }
    }

    /**
     * A test database's pool, closed only with the database: a Spring context given it as a bean
     * closes what it can, and a test may start several contexts on one database.
     */
    static final class Pooled extends ForwardingDataSource {
        private final HikariDataSource pool;

        Pooled(HikariDataSource pool) {
            super(pool);
            this.pool = pool;
        }
    }

    /** One isolated database of a test. */
    public record Db(TestDatabase kind, DataSource dataSource, String name) implements AutoCloseable {

        /**
         * The database without the pool: on PostgreSQL each connection is a server process of its
         * own, which ends (and reports its statistics) when the connection closes.
         */
        public DataSource unpooled() {
            return kind == H2 ? dataSource : postgres(name);
        }

        @Override
        public void close() {
            if (kind == H2) {
                execute(dataSource, "SHUTDOWN");
            } else {
                if (dataSource instanceof Pooled pooled) {
                    pooled.pool.close();
                }
                execute(postgres(null), "DROP SCHEMA " + name + " CASCADE");
            }
        }
    }
}
