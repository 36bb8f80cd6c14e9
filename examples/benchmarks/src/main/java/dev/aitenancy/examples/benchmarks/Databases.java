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
 * A fresh database for one benchmark: H2 in memory or a new schema in a PostgreSQL, each behind a
 * HikariCP pool of 4 connections, as a host would run it.
 */
final class Databases {

    private Databases() {
    }

    record Opened(DataSource dataSource, Runnable closer) implements AutoCloseable {
        @Override
        public void close() {
            closer.run();
        }
    }

    static Opened open(String kind) {
        String name = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        if (kind.equals("h2")) {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
            HikariConfig config = new HikariConfig();
            config.setDataSource(ds);
            config.setMaximumPoolSize(4);
            HikariDataSource pool = new HikariDataSource(config);
            return new Opened(pool, () -> {
                pool.close();
                execute(ds, "SHUTDOWN");
            });
        }
        if (kind.equals("postgresql")) {
            String url = System.getenv("AI_TENANCY_TEST_PG_URL");
            if (url == null) {
                throw new IllegalStateException("set AI_TENANCY_TEST_PG_URL (and _USER, _PASSWORD) for PostgreSQL");
            }
            PGSimpleDataSource admin = pg(url, null);
            execute(admin, "CREATE SCHEMA " + name);
            HikariConfig config = new HikariConfig();
            config.setDataSource(pg(url, name));
            config.setMaximumPoolSize(4);
            HikariDataSource pool = new HikariDataSource(config);
            return new Opened(pool, () -> {
                pool.close();
                execute(admin, "DROP SCHEMA " + name + " CASCADE");
            });
        }
        throw new IllegalArgumentException("unknown database " + kind);
    }

    private static PGSimpleDataSource pg(String url, String schema) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
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
