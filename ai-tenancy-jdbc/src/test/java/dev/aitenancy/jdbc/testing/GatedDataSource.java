package dev.aitenancy.jdbc.testing;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A real data source whose connections can be held back: after {@link #hold()}, whoever asks for
 * a connection waits until {@link #release()}. Lets a test line up callers behind a transaction that
 * has not started yet.
 */
public final class GatedDataSource implements DataSource {

    private final DataSource real;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch waiting = new CountDownLatch(1);

    public GatedDataSource(DataSource real) {
        this.real = real;
    }

    /** Holds back every connection asked for from now on. */
    public void hold() {
        waiting = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    /** Lets the held-back callers and everyone after them through. */
    public void release() {
        gate.countDown();
    }

    /** Waits until someone is held back. */
    public void awaitHeldBack() throws InterruptedException {
        if (!waiting.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("nobody asked for a connection within 30 s");
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        CountDownLatch g = gate;
        if (g.getCount() > 0) {
            waiting.countDown();
            try {
                if (!g.await(60, TimeUnit.SECONDS)) {
                    throw new SQLException("the gate stayed closed (test)", "08001");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted at the gate (test)", "08001");
            }
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
