package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.BudgetSettlements.Settlement;
import dev.aitenancy.jdbc.JdbcBudgetLedger.Leased;
import dev.aitenancy.jdbc.internal.Dialect;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The settling of calls reserved from budget leases ({@link BudgetLeases}), inside the transaction
 * of {@link BudgetSettlements#settleAllIn}: each call's cost, at most its worst case, leaves each
 * of its leases (summed per lease row, one statement on PostgreSQL) for the spend of the lease's
 * usage row, after those rows are locked in {@link BudgetRow}'s order; a lease that lends no more
 * gives its whole worst case back (the rest is released), and its row goes once it holds nothing. A
 * lease row that is gone (it expired and was released) gives nothing: the cost is still added to
 * the spend.
 */
final class BudgetLoans {

    private BudgetLoans() {
    }

    /**
     * Moves the loans' costs out of their lease rows and adds what each usage row is to move from
     * reserved to spent to {@code sums} ({reserved released, spent added}); returns what to run
     * once the transaction commits: the leases' in-memory amounts.
     */
    static Runnable settleIn(Handle h, Dialect dialect, List<Settlement> loans, Map<BudgetRow, BigDecimal[]> sums) {
        Map<BudgetLeases.Lease, BigDecimal> perLease = new IdentityHashMap<>();
        Map<BudgetLeases.Lease, Boolean> retiring = new IdentityHashMap<>();
        Set<BudgetRow> rows = new TreeSet<>();
        for (Settlement s : loans) {
            Leased l = (Leased) s.reservation();
            for (BudgetLeases.Lease lease : l.loan().leases()) {
                retiring.computeIfAbsent(lease, k -> l.leases().retiring(k));
                perLease.merge(lease, out(l, lease, s.actualUsd(), retiring), BigDecimal::add);
                rows.add(lease.row);
            }
        }
        lockUsage(h, dialect, List.copyOf(rows));
        Set<UUID> present = dialect == Dialect.POSTGRESQL ? takeAll(h, perLease) : takeEach(h, perLease);
        List<UUID> emptied = new ArrayList<>();
        retiring.forEach((lease, r) -> {
            if (r && present.contains(lease.id)) {
                emptied.add(lease.id);
            }
        });
        if (!emptied.isEmpty()) { // a retired lease's row goes once it holds nothing
            h.createUpdate("DELETE FROM ai_budget_reservations WHERE id IN (<ids>) AND amount <= 0")
                    .bindList("ids", emptied).execute();
        }
        for (Settlement s : loans) {
            Leased l = (Leased) s.reservation();
            BigDecimal spent = BudgetSettlements.money(l.charge(s.actualUsd()));
            for (BudgetLeases.Lease lease : l.loan().leases()) {
                BigDecimal[] sum = BudgetSettlements.sum(sums, lease.row);
                if (present.contains(lease.id)) {
                    sum[0] = sum[0].add(out(l, lease, s.actualUsd(), retiring));
                }
                sum[1] = sum[1].add(spent);
            }
        }
        return () -> {
            for (Settlement s : loans) {
                Leased l = (Leased) s.reservation();
                List<BigDecimal> each = new ArrayList<>(l.loan().leases().size());
                l.loan().leases().forEach(lease -> each.add(present.contains(lease.id)
                        ? out(l, lease, s.actualUsd(), retiring) : null));
                l.leases().forget(l.id());
                l.leases().settled(l.loan(), each);
            }
        };
    }

    /**
     * What leaves a lease when the call settles: its charge, at most the worst case it borrowed, and
     * from a lease that lends no more the whole worst case (what the call did not use goes back).
     */
    private static BigDecimal out(Leased l, BudgetLeases.Lease lease, BigDecimal actualUsd,
            Map<BudgetLeases.Lease, Boolean> retiring) {
        BigDecimal w = l.loan().worstCase();
        return retiring.get(lease) ? w : BudgetSettlements.money(l.charge(actualUsd)).min(w).max(BigDecimal.ZERO);
    }

    /** PostgreSQL: locks the usage rows of the arrays in one order; one statement text whatever their number. */
    private static final String LOCK_ALL = "SELECT u.org_id FROM ai_budget_usage u JOIN unnest(CAST(? AS text[]), "
            + "CAST(? AS text[]), CAST(? AS text[])) AS v(org_id, budget_key, period_key) ON u.org_id = v.org_id "
            + "AND u.budget_key = v.budget_key AND u.period_key = v.period_key ORDER BY u.org_id COLLATE \"C\", "
            + "u.budget_key COLLATE \"C\", u.period_key COLLATE \"C\" FOR UPDATE OF u";

    /** Locks the usage rows (sorted) before their lease rows, as every transaction on leases does. */
    private static void lockUsage(Handle h, Dialect dialect, List<BudgetRow> rows) {
        if (dialect == Dialect.POSTGRESQL) {
            String[] orgs = new String[rows.size()];
            String[] keys = new String[rows.size()];
            String[] periods = new String[rows.size()];
            for (int i = 0; i < orgs.length; i++) {
                orgs[i] = rows.get(i).org();
                keys[i] = rows.get(i).budgetKey();
                periods[i] = rows.get(i).period();
            }
            h.createQuery(LOCK_ALL).bind(0, UsageRows.textArray(orgs)).bind(1, UsageRows.textArray(keys))
                    .bind(2, UsageRows.textArray(periods)).mapTo(String.class).list();
            return;
        }
        for (BudgetRow row : rows) { // H2, embedded: one short statement per row, in order
            h.createQuery("SELECT org_id FROM ai_budget_usage WHERE org_id = :org AND budget_key = :key "
                            + "AND period_key = :period FOR UPDATE")
                    .bind("org", row.org()).bind("key", row.budgetKey()).bind("period", row.period())
                    .mapTo(String.class).list();
        }
    }

    /** PostgreSQL: every lease row's amount lowered in one statement; returns the ids of the rows there. */
    private static Set<UUID> takeAll(Handle h, Map<BudgetLeases.Lease, BigDecimal> perLease) {
        int n = perLease.size();
        String[] ids = new String[n];
        String[] keys = new String[n];
        String[] amounts = new String[n];
        int i = 0;
        for (Map.Entry<BudgetLeases.Lease, BigDecimal> e : perLease.entrySet()) {
            ids[i] = e.getKey().id.toString();
            keys[i] = e.getKey().row.budgetKey();
            amounts[i] = e.getValue().toPlainString();
            i++;
        }
        Set<UUID> present = new java.util.HashSet<>();
        h.createQuery("UPDATE ai_budget_reservations r SET amount = r.amount - v.amount FROM unnest(CAST(? AS uuid[]), "
                        + "CAST(? AS text[]), CAST(? AS numeric[])) AS v(id, budget_key, amount) "
                        + "WHERE r.id = v.id AND r.budget_key = v.budget_key RETURNING r.id")
                .bind(0, UsageRows.textArray(ids)).bind(1, UsageRows.textArray(keys))
                .bind(2, UsageRows.textArray(amounts))
                .map((rs, ctx) -> present.add(rs.getObject(1, UUID.class)))
                .list();
        return present;
    }

    /** H2: one batched UPDATE; returns the ids of the rows there. */
    private static Set<UUID> takeEach(Handle h, Map<BudgetLeases.Lease, BigDecimal> perLease) {
        List<BudgetLeases.Lease> order = new ArrayList<>(perLease.keySet());
        PreparedBatch batch = h.prepareBatch("UPDATE ai_budget_reservations SET amount = amount - :amount "
                + "WHERE id = :id AND budget_key = :key");
        for (BudgetLeases.Lease lease : order) {
            batch.bind("amount", perLease.get(lease)).bind("id", lease.id).bind("key", lease.row.budgetKey()).add();
        }
        int[] counts = batch.execute();
        Set<UUID> present = new java.util.HashSet<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                present.add(order.get(i).id);
            }
        }
        return present;
    }
}
