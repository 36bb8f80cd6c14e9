package dev.aitenancy.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.jdbc.testing.ForwardingDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Sql#alone}: one statement committed on its own, whether or not the pool hands out autocommit connections. */
class SqlAloneTest {

    private final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    /** Hands out the real connections with autocommit off, as some pools are configured. */
    static final class NoAutoCommit extends ForwardingDataSource {
        NoAutoCommit(DataSource real) {
            super(real);
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = super.getConnection();
            c.setAutoCommit(false);
            return c;
        }
    }

    private static int rows(DataSource ds) {
        return Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM alone_test")
                .mapTo(Integer.class).one());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theStatementIsCommittedWithAutocommitOnOrOff(TestDatabase kind) {
        DataSource ds = databases.open(kind);
        Jdbi.create(ds).useHandle(h -> h.execute("CREATE TABLE alone_test (id INT PRIMARY KEY)"));

        Sql.alone(Jdbi.create(ds), h -> h.execute("INSERT INTO alone_test (id) VALUES (1)"));
        Sql.alone(Jdbi.create(new NoAutoCommit(ds)), h -> h.execute("INSERT INTO alone_test (id) VALUES (2)"));

        assertThat(rows(ds)).as("both rows committed, seen from another connection").isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aFailedStatementOutsideAutocommitIsRolledBackAndItsErrorThrown(TestDatabase kind) {
        DataSource ds = databases.open(kind);
        Jdbi.create(ds).useHandle(h -> h.execute("CREATE TABLE alone_test (id INT PRIMARY KEY)"));
        Jdbi noAutoCommit = Jdbi.create(new NoAutoCommit(ds));

        assertThatThrownBy(() -> Sql.alone(noAutoCommit, h -> {
            h.execute("INSERT INTO alone_test (id) VALUES (1)");
            h.execute("INSERT INTO alone_test (id) VALUES (1)"); // the same key: refused
        })).hasMessageContaining("alone_test");

        assertThat(rows(ds)).as("nothing committed").isZero();
        Sql.alone(noAutoCommit, h -> h.execute("INSERT INTO alone_test (id) VALUES (3)"));
        assertThat(rows(ds)).as("the connection is usable again").isEqualTo(1);
    }
}
