package dev.aitenancy.examples.benchmarks.load;

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
 * A fresh database behind a HikariCP pool: H2 in memory, or a schema of its own in the PostgreSQL
 * named by {@code AI_TENANCY_TEST_PG_URL} ({@code _USER}, {@code _PASSWORD}), dropped on close.
 */
final class LoadDatabase implements AutoCloseable {

    private final HikariDataSource pool;
    private final Runnable dispose;

    private LoadDatabase(HikariDataSource pool, Runnable dispose) {
        this.pool = pool;
        this.dispose = dispose;
    }

    static boolean postgresqlConfigured() {
        String url = System.getenv("AI_TENANCY_TEST_PG_URL");
        return url != null && !url.isBlank();
    }

    static LoadDatabase open(String kind, int poolSize) {
        String name = "load_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("load-" + kind);
        switch (kind) {
            case "h2" -> {
                JdbcDataSource h2 = new JdbcDataSource();
                h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
                config.setDataSource(h2);
                HikariDataSource pool = new HikariDataSource(config);
                return new LoadDatabase(pool, () -> execute(h2, "SHUTDOWN"));
            }
            case "postgresql" -> {
                if (!postgresqlConfigured()) {
                    throw new IllegalStateException("postgresql needs AI_TENANCY_TEST_PG_URL (and _USER, _PASSWORD);"
                            + " scripts/load.sh starts a throwaway server and sets them");
                }
                PGSimpleDataSource admin = postgres(null);
                execute(admin, "CREATE SCHEMA " + name);
                config.setDataSource(postgres(name));
                HikariDataSource pool = new HikariDataSource(config);
                return new LoadDatabase(pool, () -> execute(admin, "DROP SCHEMA " + name + " CASCADE"));
            }
            default -> throw new IllegalArgumentException("unknown database " + kind);
        }
    }

    DataSource dataSource() {
        return pool;
    }

    private static PGSimpleDataSource postgres(String schema) {
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

    @Override
    public void close() {
        pool.close();
        dispose.run();
    }
}
