package dev.aitenancy.jdbc.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A real data source whose connections can be held back: after {@link #hold()}, whoever asks for
 * a connection waits until {@link #release()}. Lets a test line up callers behind a transaction that
 * has not started yet.
 */
public final class GatedDataSource extends ForwardingDataSource {
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch waiting = new CountDownLatch(1);

    public GatedDataSource(DataSource real) {
        super(real);
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
        return super.getConnection();
    }
}
