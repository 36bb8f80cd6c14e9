package dev.aitenancy.jdbc.internal;

import java.sql.SQLException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Small SQL helpers shared by the JDBC stores. */
public final class Sql {

    private static final String UNIQUE_VIOLATION = "23505";

    private Sql() {
    }

    /**
     * Inserts a row in its own transaction unless it exists already (another instance may insert
     * it at the same moment), so later transactions can lock it.
     */
    public static void seed(Jdbi jdbi, String insert, String param, Object value) {
        try {
            jdbi.useHandle(h -> h.createUpdate(insert).bind(param, value).execute());
        } catch (UnableToExecuteStatementException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
        }
    }

    /** Whether a failure is a unique-constraint violation (SQLState 23505 on H2 and PostgreSQL). */
    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
