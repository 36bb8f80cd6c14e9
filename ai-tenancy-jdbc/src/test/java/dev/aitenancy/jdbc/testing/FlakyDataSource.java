package dev.aitenancy.jdbc.testing;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A real data source that can be switched off, as when the database is briefly unreachable. */
public final class FlakyDataSource implements DataSource {

    private final DataSource real;
    private volatile boolean down;
    private final CountDownLatch refused = new CountDownLatch(1);

    public FlakyDataSource(DataSource real) {
        this.real = real;
    }

    public void down() {
        down = true;
    }

    public void up() {
        down = false;
    }

    /** Completes once a connection was refused while down. */
    public CountDownLatch refusedOnce() {
        return refused;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (down) {
            refused.countDown();
            throw new SQLException("database unavailable (test)", "08001");
        }
        return real.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return real.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        real.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        real.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return real.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return real.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return real.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return real.isWrapperFor(iface);
    }
}
