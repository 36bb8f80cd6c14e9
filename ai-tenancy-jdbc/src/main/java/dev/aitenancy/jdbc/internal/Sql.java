package dev.aitenancy.jdbc.internal;

import java.sql.SQLException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.function.ToIntFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.core.statement.Update;

/**
 * Small SQL helpers shared by the JDBC stores.
 *
 * <p><b>Arrays as parameters (PostgreSQL).</b> Statements that take many rows at once bind one
 * array per column and read them with {@code unnest} or {@code = ANY}. Each such array is written
 * {@code (SELECT CAST(? AS type[]))} (inside {@code = ANY}, cast once more, so it is read as an
 * array, not as a sub-query's rows), not {@code CAST(? AS type[])}: the sub-select hides the
 * array's length from the planner. PostgreSQL plans a prepared statement for its values five times
 * and then keeps one generic plan only if it costs no more than those did; a plan for the values
 * knows how many rows the array holds, so for batches smaller than the ten rows a generic plan
 * assumes it always looked cheaper, and PostgreSQL planned the statement again at every execution
 * (about 60 µs of planning each with a table of a few thousand rows, measured with
 * {@code pg_stat_statements}). Hidden, both cost the same and the generic plan is kept
 * ({@code GenericPlansTest}).
 */
public final class Sql {

    private static final java.util.concurrent.atomic.AtomicLong DEADLOCKS = new java.util.concurrent.atomic.AtomicLong();

    private static final String UNIQUE_VIOLATION = "23505";

    private Sql() {
    }

    /**
     * Inserts a row in its own transaction unless it exists already (another instance may insert
     * it at the same moment), so later transactions can lock it.
     */
    public static void seed(Jdbi jdbi, String insert, String param, Object value) {
        seed(jdbi, insert, u -> u.bind(param, value));
    }

    /** As {@link #seed(Jdbi, String, String, Object)}, binding with {@code binder}. */
    public static void seed(Jdbi jdbi, String insert, UnaryOperator<Update> binder) {
        try {
            jdbi.useHandle(h -> binder.apply(h.createUpdate(insert)).execute());
        } catch (UnableToExecuteStatementException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
        }
    }

    /**
     * Runs {@code statement}, one statement, committed on its own: in autocommit (the pools' default)
     * that is one round trip, where a transaction takes two, the statement and its COMMIT; on a
     * connection the pool hands out outside autocommit, it is committed (or rolled back) here.
     */
    public static void alone(Jdbi jdbi, Consumer<Handle> statement) {
        jdbi.useHandle(h -> {
            if (!h.isInTransaction()) {
                statement.accept(h);
                return;
            }
            try {
                statement.accept(h);
                h.commit();
            } catch (RuntimeException | Error e) {
                h.rollback();
                throw e;
            }
        });
    }

    /**
     * Updates a row, or inserts it when the update touched none, in one transaction; when another
     * instance inserts the same row at the same moment, the insert fails on the unique key and the
     * whole step is tried again as an update (up to 20 times: each failure means another writer's
     * insert won, and only a delete racing in between, like a cleared preference, makes the next
     * update miss again).
     */
    public static void upsert(Jdbi jdbi, ToIntFunction<Handle> update, Consumer<Handle> insert) {
        for (int attempt = 0; ; attempt++) {
            try {
                jdbi.useTransaction(h -> {
                    if (update.applyAsInt(h) == 0) {
                        insert.accept(h);
                    }
                });
                return;
            } catch (UnableToExecuteStatementException e) {
                if (attempt >= 19 || !isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Runs {@code work}, again when the database reports a serialization failure (SQLState 40001)
     * or a deadlock (40P01), up to ten times.
     */
    public static <T> T retryingConflicts(Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (RuntimeException e) {
                if (attempt >= 10 || !hasState(e, "40001", "40P01")) {
                    throw e;
                }
                if (hasState(e, "40P01")) {
                    DEADLOCKS.incrementAndGet();
                }
            }
        }
    }

    /**
     * Deadlocks this process's transactions were chosen to break and then tried again. Every
     * transaction locks rows in one order, so this stays 0; each one cost PostgreSQL's
     * {@code deadlock_timeout} (a second by default). For tests and diagnostics.
     */
    public static long deadlocksTriedAgain() {
        return DEADLOCKS.get();
    }

    private static boolean hasState(Throwable e, String... states) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (String s : states) {
                    if (s.equals(sql.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Whether a failure is a unique-constraint violation (SQLState 23505 on H2 and PostgreSQL). */
    public static boolean isUniqueViolation(Throwable e) {
        return hasState(e, UNIQUE_VIOLATION);
    }
}
