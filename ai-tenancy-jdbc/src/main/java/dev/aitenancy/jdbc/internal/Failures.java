package dev.aitenancy.jdbc.internal;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import org.jdbi.v3.core.ConnectionException;

/** How a database failure reads: whether the database could not be reached, and a short description. */
public final class Failures {

    private Failures() {
    }

    /**
     * Whether the failure says the database could not be reached or used at all (no connection,
     * pool timeout, shutdown, out of resources) rather than that it refused this statement: the
     * same work may succeed later, unchanged.
     */
    public static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectionException || t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57") || state.startsWith("53")
                        || state.equals("90098") || state.equals("90067") || state.equals("90121")) {
                    return true; // connection, operator intervention, resources; H2's closed/broken database
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * The SQLState and the database's own first line, without the statement (H2 appends it):
     * enough for an operator, never the SQL or its bound values.
     */
    public static String describe(Throwable e) {
        SQLException deepest = null;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                deepest = sql;
            }
        }
        if (deepest == null) {
            return e.getClass().getSimpleName();
        }
        String message = String.valueOf(deepest.getMessage());
        int cut = message.indexOf("; SQL statement");
        if (cut >= 0) {
            message = message.substring(0, cut);
        }
        int line = message.indexOf('\n');
        if (line >= 0) {
            message = message.substring(0, line);
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "…";
        }
        return "SQLState " + deepest.getSQLState() + ": " + message;
    }
}
