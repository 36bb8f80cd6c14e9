package dev.aitenancy.jdbc.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;

/** A real data source that can be switched off, as when the database is briefly unreachable. */
public final class FlakyDataSource extends ForwardingDataSource {
    private volatile boolean down;
    private final CountDownLatch refused = new CountDownLatch(1);

    public FlakyDataSource(DataSource real) {
        super(real);
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
        return super.getConnection();
    }
}
