package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.JdbcBudgetLedger.Crossed;
import dev.aitenancy.jdbc.JdbcBudgetLedger.Held;
import dev.aitenancy.jdbc.JdbcBudgetLedger.Reservation;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The settling half of {@link JdbcBudgetLedger}, inside a transaction the caller owns: one call's
 * reservation ({@link #settleIn}, by the ledger or the usage sink), a batch of calls' reservations
 * ({@link #settleAllIn}, by the usage writer), and a reservation nobody will settle any more
 * ({@link #closeIn}, {@link #release}). Every statement locks usage rows in {@link BudgetRow}'s order.
 */
final class BudgetSettlements {

    private BudgetSettlements() {
    }

    /** A usage row after a settlement: the period's spend, and whether its alert has fired. */
    private record Spent(BigDecimal total, boolean alerted) {
    }

    /**
     * The settlement's work inside the caller's transaction. A reservation released meanwhile (its
     * TTL passed while the call was still running) is charged all the same, so no spend is lost.
     */
    static List<Crossed> settleIn(Handle h, Dialect dialect, OrgId org, UUID id, List<Held> held,
            BigDecimal spent) {
        Map<String, BigDecimal> reserved = dialect == Dialect.POSTGRESQL ? takeReservations(h, id) : null;
        List<Crossed> out = new ArrayList<>();
        for (Held b : held) {
            Spent row = reserved != null ? moveReturning(h, org, b, reserved.getOrDefault(b.budgetKey(), BigDecimal.ZERO), spent)
                    : moveLocked(h, org, id, b, spent);
            if (!row.alerted()
                    && row.total().compareTo(b.budget().limitUsd().multiply(b.budget().alertThreshold())) >= 0) {
                h.createUpdate("UPDATE ai_budget_usage SET alerted = TRUE WHERE org_id = :org AND budget_key = :key "
                                + "AND period_key = :period")
                        .bind("org", org.value()).bind("key", b.budgetKey()).bind("period", b.period()).execute();
                out.add(new Crossed(b, row.total()));
            }
        }
        return out;
    }

    /** A reservation and what its call is charged, one of several settled together. */
    record Settlement(JdbcBudgetLedger.Settleable reservation, BigDecimal actualUsd) {
    }

    /** The scale of the money columns: each amount is rounded to it as the database rounds it when stored. */
    static final int MONEY_SCALE = 10;

    /**
     * PostgreSQL: moves the summed amounts of each usage row from reserved to spent in one
     * statement that first locks the rows in one order (org, budget key, period), and returns the
     * rows after it.
     */
    private static final String MOVE_ALL = "WITH v AS (SELECT * FROM unnest((SELECT CAST(? AS text[])), (SELECT CAST(? AS text[])), "
            + "(SELECT CAST(? AS text[])), (SELECT CAST(? AS numeric[])), (SELECT CAST(? AS numeric[]))) AS v(org_id, budget_key, period_key, "
            + "amount, spent)), "
            + "locked AS MATERIALIZED (SELECT u.org_id, u.budget_key, u.period_key FROM ai_budget_usage u JOIN v "
            + "ON u.org_id = v.org_id AND u.budget_key = v.budget_key AND u.period_key = v.period_key "
            + "ORDER BY u.org_id COLLATE \"C\", u.budget_key COLLATE \"C\", u.period_key COLLATE \"C\" "
            + "FOR UPDATE OF u) "
            + "UPDATE ai_budget_usage u SET reserved = u.reserved - v.amount, spent = u.spent + v.spent FROM v, locked l "
            + "WHERE u.org_id = v.org_id AND u.budget_key = v.budget_key AND u.period_key = v.period_key "
            + "AND l.org_id = u.org_id AND l.budget_key = u.budget_key AND l.period_key = u.period_key "
            + "RETURNING u.org_id, u.budget_key, u.period_key, u.spent, u.alerted";

    /**
     * Settles every reservation of {@code settlements} (distinct calls) inside the caller's
     * transaction, as {@link Reservation#settleIn} would one after the other, releases the
     * reservations {@code released} without charging them (calls that were refused, see
     * {@link #closeIn}), and returns what to run once it commits: the alerts. Each budget's usage
     * row is updated once, with the sums of its calls, in the order reservations lock rows. On
     * PostgreSQL the reservations are deleted with one statement and the usage rows updated with
     * one more: a batch of records costs the same few round trips whatever its size; on H2, two
     * statements per usage row. Alerts are the ones settling in list order would fire, each with
     * the period's spend at the call that crossed the threshold.
     */
    static Runnable settleAllIn(Handle h, Dialect dialect, List<Settlement> settlements, List<UUID> released) {
        if (settlements.isEmpty() && released.isEmpty()) {
            return () -> { };
        }
        boolean postgres = dialect == Dialect.POSTGRESQL;
        List<UUID> all = new ArrayList<>(settlements.size() + released.size());
        List<Settlement> loans = new ArrayList<>();
        for (Settlement s : settlements) {
            if (s.reservation() instanceof Reservation r) {
                all.add(r.id());
            } else {
                loans.add(s);
            }
        }
        all.addAll(released);
        Map<UUID, List<Reserved>> reserved = all.isEmpty() ? Map.of()
                : postgres ? takeReservations(h, all) : takeReservationsLocked(h, all);
        Map<BudgetRow, BigDecimal[]> sums = new TreeMap<>();
        BudgetLoans.Batch lent = loans.isEmpty() ? null : new BudgetLoans.Batch(loans);
        if (lent != null) {
            lent.sum(sums);
        }
        for (Settlement s : settlements) {
            if (!(s.reservation() instanceof Reservation r)) {
                continue; // summed by BudgetLoans.Batch
            }
            BigDecimal spent = money(r.charge(s.actualUsd()));
            Map<String, BigDecimal> held = new HashMap<>();
            reserved.getOrDefault(r.id(), List.of()).forEach(x -> held.put(x.row().budgetKey(), x.amount()));
            for (Held b : r.held()) {
                BigDecimal[] sum = sum(sums, new BudgetRow(r.org().value(), b.budgetKey(), b.period()));
                sum[0] = sum[0].add(held.getOrDefault(b.budgetKey(), BigDecimal.ZERO));
                sum[1] = sum[1].add(spent);
            }
        }
        for (UUID id : released) {
            for (Reserved x : reserved.getOrDefault(id, List.of())) {
                BigDecimal[] sum = sum(sums, x.row());
                sum[0] = sum[0].add(x.amount());
            }
        }
        if (sums.isEmpty()) {
            return () -> { };
        }
        Map<BudgetRow, Spent> after = postgres ? moveAll(h, sums) : moveEach(h, sums);
        if (after.size() != sums.size()) {
            throw new IllegalStateException("a budget usage row of a reservation is missing");
        }
        if (lent != null) {
            lent.takeFromLeases(h, dialect); // the usage rows are locked now: the lease rows after them
        }
        Runnable leases = lent == null ? () -> { } : lent.afterCommit();
        // replay the settlements in order from the spend before them, to alert where one crossed
        Map<BudgetRow, BigDecimal> running = new HashMap<>();
        after.forEach((row, spent) -> running.put(row, spent.total().subtract(sums.get(row)[1])));
        List<Runnable> alerts = new ArrayList<>();
        Set<BudgetRow> newlyAlerted = new LinkedHashSet<>();
        for (Settlement s : settlements) {
            JdbcBudgetLedger.Settleable r = s.reservation();
            BigDecimal spent = money(r.charge(s.actualUsd()));
            for (Held b : r.held()) {
                BudgetRow row = new BudgetRow(r.org().value(), b.budgetKey(), b.period());
                BigDecimal total = running.merge(row, spent, BigDecimal::add);
                if (!after.get(row).alerted() && !newlyAlerted.contains(row)
                        && total.compareTo(b.budget().limitUsd().multiply(b.budget().alertThreshold())) >= 0) {
                    newlyAlerted.add(row);
                    Crossed crossed = new Crossed(b, total);
                    alerts.add(() -> r.alert(List.of(crossed)));
                }
            }
        }
        for (BudgetRow row : newlyAlerted) {
            h.createUpdate("UPDATE ai_budget_usage SET alerted = TRUE WHERE org_id = :org AND budget_key = :key "
                            + "AND period_key = :period")
                    .bind("org", row.org()).bind("key", row.budgetKey()).bind("period", row.period()).execute();
        }
        return () -> {
            leases.run();
            alerts.forEach(Runnable::run);
        };
    }

    /** Rounded to the money columns' scale, as the database stores it. */
    static BigDecimal money(BigDecimal amount) {
        return amount.setScale(MONEY_SCALE, RoundingMode.HALF_UP);
    }

    /** What a reservation held on one usage row. */
    private record Reserved(BudgetRow row, BigDecimal amount) {
    }

    static BigDecimal[] sum(Map<BudgetRow, BigDecimal[]> sums, BudgetRow row) {
        return sums.computeIfAbsent(row, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
    }

    /** PostgreSQL: deletes the rows of the reservations {@code ids} in one statement, returning what each held. */
    private static Map<UUID, List<Reserved>> takeReservations(Handle h, List<UUID> ids) {
        Map<UUID, List<Reserved>> out = new HashMap<>();
        h.createQuery("DELETE FROM ai_budget_reservations WHERE id = ANY(CAST((SELECT CAST(? AS uuid[])) AS uuid[])) "
                        + "RETURNING id, org_id, budget_key, period_key, amount")
                .bind(0, UsageRows.textArray(ids.stream().map(UUID::toString).toArray(String[]::new)))
                .map((rs, ctx) -> out.computeIfAbsent(rs.getObject("id", UUID.class), k -> new ArrayList<>())
                        .add(reserved(rs)))
                .list();
        return out;
    }

    /** H2: locks the rows of the reservations {@code ids}, reads what each held and deletes them. */
    private static Map<UUID, List<Reserved>> takeReservationsLocked(Handle h, List<UUID> ids) {
        Map<UUID, List<Reserved>> out = new HashMap<>();
        h.createQuery("SELECT id, org_id, budget_key, period_key, amount FROM ai_budget_reservations "
                        + "WHERE id IN (<ids>) FOR UPDATE")
                .bindList("ids", ids)
                .map((rs, ctx) -> out.computeIfAbsent(rs.getObject("id", UUID.class), k -> new ArrayList<>())
                        .add(reserved(rs)))
                .list();
        if (!out.isEmpty()) {
            h.createUpdate("DELETE FROM ai_budget_reservations WHERE id IN (<ids>)").bindList("ids", ids).execute();
        }
        return out;
    }

    private static Reserved reserved(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Reserved(new BudgetRow(rs.getString("org_id"), rs.getString("budget_key"),
                rs.getString("period_key")), rs.getBigDecimal("amount"));
    }

    /** H2: applies {@code sums} row by row in their order, one statement each that returns the row after it. */
    private static Map<BudgetRow, Spent> moveEach(Handle h, Map<BudgetRow, BigDecimal[]> sums) {
        Map<BudgetRow, Spent> out = new HashMap<>();
        for (Map.Entry<BudgetRow, BigDecimal[]> e : sums.entrySet()) {
            BudgetRow row = e.getKey();
            h.createQuery("SELECT spent, alerted FROM FINAL TABLE (UPDATE ai_budget_usage SET reserved = reserved - "
                            + ":amount, spent = spent + :spent WHERE org_id = :org AND budget_key = :key "
                            + "AND period_key = :period)")
                    .bind("amount", e.getValue()[0]).bind("spent", e.getValue()[1]).bind("org", row.org())
                    .bind("key", row.budgetKey()).bind("period", row.period())
                    .map((rs, ctx) -> new Spent(rs.getBigDecimal("spent"), rs.getBoolean("alerted")))
                    .findOne().ifPresent(spent -> out.put(row, spent));
        }
        return out;
    }

    /** PostgreSQL: applies {@code sums} (reserved released, spent added) with {@link #MOVE_ALL}. */
    private static Map<BudgetRow, Spent> moveAll(Handle h, Map<BudgetRow, BigDecimal[]> sums) {
        int n = sums.size();
        String[] orgs = new String[n];
        String[] keys = new String[n];
        String[] periods = new String[n];
        String[] amounts = new String[n];
        String[] spents = new String[n];
        int i = 0;
        for (Map.Entry<BudgetRow, BigDecimal[]> e : sums.entrySet()) {
            orgs[i] = e.getKey().org();
            keys[i] = e.getKey().budgetKey();
            periods[i] = e.getKey().period();
            amounts[i] = e.getValue()[0].toPlainString();
            spents[i] = e.getValue()[1].toPlainString();
            i++;
        }
        Map<BudgetRow, Spent> out = new HashMap<>();
        h.createQuery(MOVE_ALL)
                .bind(0, UsageRows.textArray(orgs)).bind(1, UsageRows.textArray(keys))
                .bind(2, UsageRows.textArray(periods)).bind(3, UsageRows.textArray(amounts))
                .bind(4, UsageRows.textArray(spents))
                .map((rs, ctx) -> out.put(new BudgetRow(rs.getString("org_id"), rs.getString("budget_key"),
                        rs.getString("period_key")), new Spent(rs.getBigDecimal("spent"), rs.getBoolean("alerted"))))
                .list();
        return out;
    }

    /**
     * Closes, inside the caller's transaction, every row of the reservation {@code id} that no call
     * will settle any more, without alerts: with {@code charge}, each budget is charged what it
     * reserved there (a call whose instance died: the worst case, its tokens unknown); without, the
     * hold is only released (its reservation committed while the call saw it fail, so the call was
     * refused and charges nothing).
     */
    static void closeIn(Handle h, UUID id, boolean charge) {
        List<Reserved> rows = new ArrayList<>(h.createQuery("SELECT org_id, budget_key, period_key, amount "
                        + "FROM ai_budget_reservations WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> reserved(rs))
                .list());
        rows.sort(java.util.Comparator.comparing(Reserved::row)); // the order every transaction locks usage rows in
        for (Reserved r : rows) {
            h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved - :amount, spent = spent + :spent "
                            + "WHERE org_id = :org AND budget_key = :key AND period_key = :period")
                    .bind("amount", r.amount()).bind("spent", charge ? r.amount() : BigDecimal.ZERO)
                    .bind("org", r.row().org()).bind("key", r.row().budgetKey()).bind("period", r.row().period())
                    .execute();
        }
        if (!rows.isEmpty()) {
            h.createUpdate("DELETE FROM ai_budget_reservations WHERE id = :id").bind("id", id).execute();
        }
    }

    /** PostgreSQL: deletes the reservation's rows in one statement, returning what each held. */
    private static Map<String, BigDecimal> takeReservations(Handle h, UUID id) {
        Map<String, BigDecimal> reserved = new HashMap<>();
        h.createQuery("DELETE FROM ai_budget_reservations WHERE id = :id RETURNING budget_key, amount")
                .bind("id", id)
                .map((rs, ctx) -> reserved.put(rs.getString("budget_key"), rs.getBigDecimal("amount")))
                .list();
        return reserved;
    }

    /** PostgreSQL: moves {@code amount} from reserved to {@code spent} in one statement. */
    private static Spent moveReturning(Handle h, OrgId org, Held b, BigDecimal amount, BigDecimal spent) {
        return h.createQuery("UPDATE ai_budget_usage SET reserved = reserved - :amount, spent = spent + :spent "
                        + "WHERE org_id = :org AND budget_key = :key AND period_key = :period RETURNING spent, alerted")
                .bind("amount", amount).bind("spent", spent).bind("org", org.value())
                .bind("key", b.budgetKey()).bind("period", b.period())
                .map((rs, ctx) -> new Spent(rs.getBigDecimal("spent"), rs.getBoolean("alerted")))
                .one();
    }

    /** H2: moves the reservation row to spent (or charges spent alone when it is gone), then reads the usage row. */
    private static Spent moveLocked(Handle h, OrgId org, UUID id, Held b, BigDecimal spent) {
        if (!release(h, org, id, b, spent)) {
            h.createUpdate("UPDATE ai_budget_usage SET spent = spent + :spent WHERE org_id = :org AND budget_key = :key "
                            + "AND period_key = :period")
                    .bind("spent", spent).bind("org", org.value()).bind("key", b.budgetKey())
                    .bind("period", b.period()).execute();
        }
        return h.createQuery("SELECT spent, alerted FROM ai_budget_usage WHERE org_id = :org "
                        + "AND budget_key = :key AND period_key = :period")
                .bind("org", org.value()).bind("key", b.budgetKey()).bind("period", b.period())
                .map((rs, ctx) -> new Spent(rs.getBigDecimal("spent"), rs.getBoolean("alerted")))
                .one();
    }

    /** Moves one reservation row to spent (or just releases it when {@code spent} is null). */
    static boolean release(Handle h, OrgId org, UUID id, Held b, BigDecimal spent) {
        // the usage row first, as every transaction that changes a reservation or lease row locks it
        h.createQuery("SELECT reserved FROM ai_budget_usage WHERE org_id = :org AND budget_key = :key "
                        + "AND period_key = :period FOR UPDATE")
                .bind("org", org.value()).bind("key", b.budgetKey()).bind("period", b.period())
                .mapTo(BigDecimal.class).findOne();
        BigDecimal amount = h.createQuery("SELECT amount FROM ai_budget_reservations WHERE id = :id AND budget_key = :key")
                .bind("id", id).bind("key", b.budgetKey()).mapTo(BigDecimal.class).findOne().orElse(null);
        if (amount == null) {
            return false;
        }
        h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved - :amount, spent = spent + :spent "
                        + "WHERE org_id = :org AND budget_key = :key AND period_key = :period")
                .bind("amount", amount).bind("spent", spent == null ? BigDecimal.ZERO : spent)
                .bind("org", org.value()).bind("key", b.budgetKey()).bind("period", b.period()).execute();
        h.createUpdate("DELETE FROM ai_budget_reservations WHERE id = :id AND budget_key = :key")
                .bind("id", id).bind("key", b.budgetKey()).execute();
        return true;
    }
}
