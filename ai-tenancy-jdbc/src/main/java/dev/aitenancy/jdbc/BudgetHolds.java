package dev.aitenancy.jdbc;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.jdbc.JdbcBudgetLedger.Held;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.jdbc.internal.Grouped;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The reserving half of {@link JdbcBudgetLedger}: calls that reserve at the same moment, of any
 * org, are decided together in one transaction ({@link Grouped}), as the
 * ledger's description explains; a lone call on PostgreSQL takes the cheaper path of
 * {@link #holdAlone}.
 */
final class BudgetHolds {

    /** Most calls decided in one transaction. */
    private static final int GROUP = 128;

    /** The scale of the money columns ({@code DECIMAL(20, 10)}). */
    private static final int AMOUNT_SCALE = 10;

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Duration reservationTtl;
    private final Grouped<Call, Decision> groups = new Grouped<>(GROUP, this::decide);
    private final Map<Integer, String> lockStatements = new ConcurrentHashMap<>();

    BudgetHolds(Jdbi jdbi, Dialect dialect, Duration reservationTtl) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.reservationTtl = reservationTtl;
    }

    /** Decides {@code call} with the others of its org reserving at the same moment. */
    Decision hold(Call call) {
        return groups.run(call);
    }

    /** Locks usage rows that exist (in {@link BudgetRow}'s order), returning each one's spent plus reserved money. */
    Map<BudgetRow, BigDecimal> lockRows(Handle h, List<BudgetRow> sorted) {
        return lock(h, sorted);
    }

    /** Inserts the usage rows of {@code rows} that do not exist yet. */
    void seedRows(List<BudgetRow> rows) {
        seed(rows);
    }

    /** The grouping of the reservations, for tests. */
    Grouped<?, ?> groups() {
        return groups;
    }

    /** A call's reservation, to be decided with the others of its group ({@code worstCase} null: unpriced). */
    record Call(OrgId org, UUID id, List<Held> held, BigDecimal worstCase, Instant now) {
    }

    /** What its group decided for a call: admitted, overrunning these soft budgets, or refused. */
    record Decision(List<Budget> overrun, BudgetExceededException refusal) {
    }

    /** A group's transaction: the decisions, or the usage rows it found missing (then it decided nothing). */
    private record Attempt(List<Decision> decisions, List<BudgetRow> missing) {
    }

    /**
     * Decides a group: every call admitted or refused in one transaction. When the database
     * cannot be reached, every call of the group and every call queued behind it gets the failure
     * (each would have got it alone, after waiting as long again). When the database refuses the
     * transaction otherwise (a conflict is tried again before), each call is decided again alone,
     * so only the one it refuses fails.
     */
    private void decide(List<Grouped.Ask<Call, Decision>> group) {
        List<Call> asks = new ArrayList<>(group.size());
        for (Grouped.Ask<Call, Decision> g : group) {
            asks.add(g.request());
        }
        try {
            List<Decision> decisions = holdAll(asks);
            for (int i = 0; i < group.size(); i++) {
                group.get(i).answer(decisions.get(i));
            }
            return;
        } catch (RuntimeException e) {
            if (Failures.isUnreachable(e)) {
                group.forEach(g -> g.fail(e));
                groups.failWaiting(e); // those queued meanwhile would wait as long again for the same answer
                return;
            }
            if (group.size() == 1) {
                group.get(0).fail(e);
                return;
            }
        }
        for (Grouped.Ask<Call, Decision> g : group) {
            try {
                g.answer(holdAll(List.of(g.request())).get(0));
            } catch (RuntimeException e) {
                g.fail(e);
                if (Failures.isUnreachable(e)) { // gone meanwhile: the rest get the same answer now
                    group.forEach(other -> other.fail(e));
                    groups.failWaiting(e);
                    return;
                }
            }
        }
    }

    /**
     * Decides the calls in arrival order in one transaction, again on a serialization failure or
     * deadlock; when a usage row of a period does not exist yet, inserts it in a transaction of its
     * own first, so the reserving transaction only ever locks existing rows, in one order.
     */
    private List<Decision> holdAll(List<Call> asks) {
        if (asks.size() == 1 && dialect == Dialect.POSTGRESQL) {
            return List.of(holdAlone(asks.get(0)));
        }
        TreeSet<BudgetRow> keys = new TreeSet<>();
        for (Call a : asks) {
            for (Held h : a.held()) {
                keys.add(new BudgetRow(a.org().value(), h.budgetKey(), h.period()));
            }
        }
        List<BudgetRow> sorted = List.copyOf(keys);
        while (true) {
            Attempt attempt = Sql.retryingConflicts(() -> jdbi.inTransaction(h -> hold(h, asks, sorted)));
            if (attempt.missing().isEmpty()) {
                return attempt.decisions();
            }
            seed(attempt.missing());
        }
    }

    /**
     * PostgreSQL, a call alone: one statement ({@link #HOLD_ALONE}) adds the worst case to every
     * usage row of the call in budget-key order (creating a missing one), inserts the reservation
     * rows and returns the usage rows after it; each budget is then decided against what was there
     * before, and a refusal rolls the transaction back. Two round trips (the statement and the
     * commit), where a group pays three and a statement per row cost one round trip each.
     */
    private Decision holdAlone(Call call) {
        BigDecimal amount = call.worstCase() == null ? BigDecimal.ZERO : call.worstCase();
        String[] keys = new String[call.held().size()];
        String[] periods = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = call.held().get(i).budgetKey();
            periods[i] = call.held().get(i).period();
        }
        try {
            return new Decision(Sql.retryingConflicts(() -> jdbi.inTransaction(handle -> {
                Map<String, BigDecimal> after = new HashMap<>();
                handle.createQuery(HOLD_ALONE)
                        .bind(0, call.org().value()).bind(1, amount)
                        .bind(2, UsageRows.textArray(keys)).bind(3, UsageRows.textArray(periods))
                        .bind(4, call.id()).bind(5, call.org().value()).bind(6, amount)
                        .bind(7, call.now().plus(reservationTtl))
                        .bind(8, UsageRows.textArray(keys)).bind(9, UsageRows.textArray(periods))
                        .map((rs, ctx) -> after.put(rs.getString(1) + '\n' + rs.getString(2),
                                rs.getBigDecimal(3).add(rs.getBigDecimal(4))))
                        .list();
                List<Budget> overrun = new ArrayList<>();
                for (Held h : call.held()) {
                    BigDecimal usedBefore = after.get(h.budgetKey() + '\n' + h.period()).subtract(amount);
                    if (!BudgetPeriods.admit(call.org(), h.budget(), usedBefore, call.worstCase())) {
                        overrun.add(h.budget());
                    }
                }
                return List.copyOf(overrun);
            })), null);
        } catch (BudgetExceededException refused) {
            return new Decision(null, refused);
        }
    }

    /** See {@link #holdAlone}; the usage rows are written in the order of the arrays (budget-key order). */
    private static final String HOLD_ALONE = "WITH u AS (INSERT INTO ai_budget_usage (org_id, budget_key, period_key, "
            + "spent, reserved, alerted) SELECT ?, k.key, k.period, 0, ?, FALSE FROM unnest((SELECT CAST(? AS text[])), "
            + "(SELECT CAST(? AS text[]))) WITH ORDINALITY AS k(key, period, n) ORDER BY k.n ON CONFLICT (org_id, budget_key, "
            + "period_key) DO UPDATE SET reserved = ai_budget_usage.reserved + EXCLUDED.reserved "
            + "RETURNING budget_key, period_key, spent, reserved), "
            + "r AS (INSERT INTO ai_budget_reservations (id, org_id, budget_key, period_key, amount, expires_at) "
            + "SELECT ?, ?, k.key, k.period, ?, ? FROM unnest((SELECT CAST(? AS text[])), (SELECT CAST(? AS text[]))) AS k(key, period)) "
            + "SELECT budget_key, period_key, spent, reserved FROM u";

    /**
     * The group's transaction: locks its usage rows with one {@code SELECT ... FOR UPDATE} in key
     * order, decides each call with {@link BudgetPeriods#admit} against what is spent and reserved
     * (counting the calls admitted before it in the group; a refused call holds nothing), then adds
     * the admitted calls' worst cases to the rows and writes their reservation rows.
     */
    private Attempt hold(Handle h, List<Call> asks, List<BudgetRow> keys) {
        Map<BudgetRow, BigDecimal> used = lock(h, keys);
        if (used.size() < keys.size()) {
            List<BudgetRow> missing = new ArrayList<>();
            for (BudgetRow k : keys) {
                if (!used.containsKey(k)) {
                    missing.add(k);
                }
            }
            return new Attempt(List.of(), missing);
        }
        List<Decision> decisions = new ArrayList<>(asks.size());
        Map<BudgetRow, BigDecimal> added = new TreeMap<>();
        List<HeldRow> rows = new ArrayList<>();
        for (Call a : asks) {
            Decision d = decideOne(a, used);
            decisions.add(d);
            if (d.refusal() != null) {
                continue;
            }
            BigDecimal amount = a.worstCase() == null ? BigDecimal.ZERO : a.worstCase();
            // as the column keeps it, so the next call in the group sees what it would see alone
            BigDecimal stored = amount.setScale(AMOUNT_SCALE, RoundingMode.HALF_UP);
            for (Held held : a.held()) {
                BudgetRow k = new BudgetRow(a.org().value(), held.budgetKey(), held.period());
                used.merge(k, stored, BigDecimal::add);
                added.merge(k, stored, BigDecimal::add);
                rows.add(new HeldRow(a.id(), k, amount, a.now().plus(reservationTtl)));
            }
        }
        added.values().removeIf(amount -> amount.signum() == 0);
        if (rows.isEmpty()) {
            return new Attempt(decisions, List.of());
        }
        if (dialect == Dialect.POSTGRESQL) {
            writeInOneStatement(h, added, rows);
        } else {
            writeInBatches(h, added, rows);
        }
        return new Attempt(decisions, List.of());
    }

    /** A reservation row to insert: the call's hold on one usage row. */
    private record HeldRow(UUID id, BudgetRow usage, BigDecimal amount, Instant expires) {
    }

    /**
     * PostgreSQL: adds the admitted worst cases to the usage rows and inserts the reservation rows
     * in one statement, whatever the group's size (arrays unnested; the UPDATE in a WITH clause).
     */
    private static void writeInOneStatement(Handle h, Map<BudgetRow, BigDecimal> added, List<HeldRow> rows) {
        List<BudgetRow> usage = List.copyOf(added.keySet());
        h.createUpdate("WITH v (org_id, budget_key, period_key, amount) AS (SELECT * FROM unnest(?::text[], "
                        + "?::text[], ?::text[], ?::numeric[])), held AS (UPDATE ai_budget_usage u SET reserved = "
                        + "u.reserved + v.amount FROM v WHERE u.org_id = v.org_id AND u.budget_key = v.budget_key AND "
                        + "u.period_key = v.period_key) INSERT INTO ai_budget_reservations (id, org_id, budget_key, "
                        + "period_key, amount, expires_at) SELECT r.id, r.org_id, r.budget_key, r.period_key, r.amount, "
                        + "r.expires::timestamptz FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::numeric[], "
                        + "?::text[]) AS r (id, org_id, budget_key, period_key, amount, expires)")
                .bind(0, array("text", usage, BudgetRow::org))
                .bind(1, array("text", usage, BudgetRow::budgetKey))
                .bind(2, array("text", usage, BudgetRow::period))
                .bind(3, array("numeric", usage, added::get))
                .bind(4, array("uuid", rows, HeldRow::id))
                .bind(5, array("text", rows, r -> r.usage().org()))
                .bind(6, array("text", rows, r -> r.usage().budgetKey()))
                .bind(7, array("text", rows, r -> r.usage().period()))
                .bind(8, array("numeric", rows, HeldRow::amount))
                .bind(9, array("text", rows, r -> r.expires().toString())) // ISO 8601 in UTC
                .execute();
    }

    /** A SQL array of one column of {@code items}, created on the statement's connection. */
    private static <T> org.jdbi.v3.core.argument.Argument array(String type, List<T> items,
            java.util.function.Function<T, ?> column) {
        Object[] values = new Object[items.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = column.apply(items.get(i));
        }
        return (position, statement, ctx) -> statement.setArray(position,
                statement.getConnection().createArrayOf(type, values));
    }

    /** H2 (embedded: no round trips to save): one batched UPDATE and one batched INSERT. */
    private static void writeInBatches(Handle h, Map<BudgetRow, BigDecimal> added, List<HeldRow> rows) {
        if (!added.isEmpty()) {
            PreparedBatch reserve = h.prepareBatch("UPDATE ai_budget_usage SET reserved = reserved + :amount "
                    + "WHERE org_id = :org AND budget_key = :key AND period_key = :period");
            added.forEach((k, amount) -> reserve.bind("amount", amount).bind("org", k.org()).bind("key", k.budgetKey())
                    .bind("period", k.period()).add());
            reserve.execute();
        }
        PreparedBatch insert = h.prepareBatch("INSERT INTO ai_budget_reservations (id, org_id, budget_key, "
                + "period_key, amount, expires_at) VALUES (:id, :org, :key, :period, :amount, :expires)");
        for (HeldRow r : rows) {
            insert.bind("id", r.id()).bind("org", r.usage().org()).bind("key", r.usage().budgetKey())
                    .bind("period", r.usage().period()).bind("amount", r.amount()).bind("expires", r.expires()).add();
        }
        insert.execute();
    }

    /** One call under every budget that applies, in budget-key order, as a lone call is decided. */
    private static Decision decideOne(Call a, Map<BudgetRow, BigDecimal> used) {
        List<Budget> overrun = new ArrayList<>();
        try {
            for (Held held : a.held()) {
                BigDecimal u = used.get(new BudgetRow(a.org().value(), held.budgetKey(), held.period()));
                if (!BudgetPeriods.admit(a.org(), held.budget(), u, a.worstCase())) {
                    overrun.add(held.budget());
                }
            }
        } catch (BudgetExceededException refused) {
            return new Decision(null, refused);
        }
        return new Decision(List.copyOf(overrun), null);
    }

    /**
     * Locks the usage rows, returning each one's spent plus reserved money. The list of keys is
     * padded to a power of two (repeating the last), so a handful of statement texts serve every
     * group size and the databases' statement caches keep them.
     */
    private Map<BudgetRow, BigDecimal> lock(Handle h, List<BudgetRow> keys) {
        int n = Integer.highestOneBit(keys.size());
        if (n < keys.size()) {
            n <<= 1;
        }
        String sql = lockStatements.computeIfAbsent(n, this::lockStatement);
        var query = h.createQuery(sql);
        for (int i = 0; i < n; i++) {
            BudgetRow k = keys.get(Math.min(i, keys.size() - 1));
            query.bind(3 * i, k.org()).bind(3 * i + 1, k.budgetKey()).bind(3 * i + 2, k.period());
        }
        Map<BudgetRow, BigDecimal> used = new HashMap<>();
        query.map((rs, ctx) -> used.put(new BudgetRow(rs.getString(1), rs.getString(2), rs.getString(3)),
                rs.getBigDecimal(4).add(rs.getBigDecimal(5)))).list();
        return used;
    }

    /**
     * The locking query for {@code n} keys. PostgreSQL locks the rows in the order of its sort, so
     * it sorts by code point ({@code COLLATE "C"}), as Java orders the keys; H2 compares strings
     * so already.
     */
    private String lockStatement(int n) {
        StringBuilder sql = new StringBuilder("SELECT org_id, budget_key, period_key, spent, reserved "
                + "FROM ai_budget_usage WHERE (org_id, budget_key, period_key) IN (");
        for (int i = 0; i < n; i++) {
            sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
        }
        String c = dialect == Dialect.POSTGRESQL ? " COLLATE \"C\"" : "";
        return sql.append(") ORDER BY org_id").append(c).append(", budget_key").append(c).append(", period_key")
                .append(c).append(" FOR UPDATE").toString();
    }

    /** Inserts usage rows of a new period (another instance may insert them at the same moment). */
    private void seed(List<BudgetRow> missing) {
        if (dialect == Dialect.POSTGRESQL) {
            Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
                PreparedBatch insert = h.prepareBatch("INSERT INTO ai_budget_usage (org_id, budget_key, period_key, "
                        + "spent, reserved, alerted) VALUES (:org, :key, :period, 0, 0, FALSE) "
                        + "ON CONFLICT (org_id, budget_key, period_key) DO NOTHING");
                for (BudgetRow k : missing) {
                    insert.bind("org", k.org()).bind("key", k.budgetKey()).bind("period", k.period()).add();
                }
                return insert.execute();
            }));
            return;
        }
        for (BudgetRow k : missing) {
            Sql.seed(jdbi, "INSERT INTO ai_budget_usage (org_id, budget_key, period_key, spent, reserved, alerted) "
                    + "VALUES (:org, :key, :period, 0, 0, FALSE)", u -> u.bind("org", k.org()).bind("key", k.budgetKey())
                    .bind("period", k.period()));
        }
    }
}
