package dev.aitenancy.examples.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh database for one benchmark or load run: H2 in memory or a new schema in a PostgreSQL,
 * each behind a HikariCP pool (4 connections for the JMH benchmarks), as a host would run it.
 */
public final class Databases {

    private Databases() {
    }

    /** An open database; closing it closes the pool and drops the database. */
    public record Opened(DataSource dataSource, Runnable closer) implements AutoCloseable {
        @Override
        public void close() {
            closer.run();
        }
    }

    /** Whether {@code AI_TENANCY_TEST_PG_URL} names a PostgreSQL to open schemas in. */
    public static boolean postgresqlConfigured() {
        String url = System.getenv("AI_TENANCY_TEST_PG_URL");
        return url != null && !url.isBlank();
    }

    static Opened open(String kind) {
        return open(kind, 4, "bench");
    }

    /**
     * A fresh {@code kind} database ("h2" or "postgresql") behind a HikariCP pool of {@code poolSize}
     * connections named after {@code prefix}.
     */
    public static Opened open(String kind, int poolSize, String prefix) {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(poolSize);
        config.setPoolName(prefix + "-" + kind);
        if (kind.equals("h2")) {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
            config.setDataSource(ds);
            HikariDataSource pool = new HikariDataSource(config);
            return new Opened(pool, () -> {
                pool.close();
                execute(ds, "SHUTDOWN");
            });
        }
        if (kind.equals("postgresql")) {
            if (!postgresqlConfigured()) {
                throw new IllegalStateException("postgresql needs AI_TENANCY_TEST_PG_URL (and _USER, _PASSWORD); "
                        + "scripts/test-all.sh and scripts/load.sh start a throwaway server and set them");
            }
            PGSimpleDataSource admin = pg(null);
            execute(admin, "CREATE SCHEMA " + name);
            config.setDataSource(pg(name));
            HikariDataSource pool = new HikariDataSource(config);
            return new Opened(pool, () -> {
                pool.close();
                execute(admin, "DROP SCHEMA " + name + " CASCADE");
            });
        }
        throw new IllegalArgumentException("unknown database " + kind);
    }

    private static PGSimpleDataSource pg(String schema) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(System.getenv("AI_TENANCY_TEST_PG_URL"));
        ds.setUser(System.getenv("AI_TENANCY_TEST_PG_USER"));
        ds.setPassword(System.getenv("AI_TENANCY_TEST_PG_PASSWORD"));
        if (schema != null) {
            ds.setCurrentSchema(schema);
        }
        return ds;
    }

    private static void execute(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
