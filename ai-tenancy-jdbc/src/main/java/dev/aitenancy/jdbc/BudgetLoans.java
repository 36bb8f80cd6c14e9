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
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The settling of calls reserved from budget leases ({@link BudgetLeases}), inside the transaction
 * of {@link BudgetSettlements#settleAllIn}: each call's cost, at most its worst case, leaves each
 * of its leases (summed per lease row, one statement on PostgreSQL) for the spend of the lease's
 * usage row, after the usage rows are moved (and so locked) in {@link BudgetRow}'s order; a lease that lends no more
 * gives its whole worst case back (the rest is released), and its row goes once it holds nothing. A
 * lease row that is gone (it expired and was released) gives nothing: the cost is still added to
 * the spend.
 */
final class BudgetLoans {

    private BudgetLoans() {
    }

    /**
     * The loans of one settlement batch: {@link #sum} adds what each usage row is to move to the
     * batch's sums, as if every lease row were there; the caller then moves the usage rows (which
     * locks them, in {@link BudgetRow}'s order, before any lease row: the order of every
     * transaction on leases) and calls {@link #takeFromLeases}, which lowers the lease rows and puts
     * back on a usage row what a lease row that is gone did not hold.
     */
    static final class Batch {
        private final List<Settlement> loans;
        private final Map<BudgetLeases.Lease, Boolean> retiring = new IdentityHashMap<>();
        private final Map<BudgetLeases.Lease, BigDecimal> perLease = new IdentityHashMap<>();
        private Set<UUID> present = Set.of();

        Batch(List<Settlement> loans) {
            this.loans = loans;
        }

        /** Adds the loans to {@code sums} ({reserved released, spent added} per usage row). */
        void sum(Map<BudgetRow, BigDecimal[]> sums) {
            for (Settlement s : loans) {
                Leased l = (Leased) s.reservation();
                BigDecimal spent = BudgetSettlements.money(l.charge(s.actualUsd()));
                for (BudgetLeases.Lease lease : l.loan().leases()) {
                    retiring.computeIfAbsent(lease, k -> l.leases().retiring(k));
                    BigDecimal out = out(l, lease, s.actualUsd());
                    perLease.merge(lease, out, BigDecimal::add);
                    BigDecimal[] sum = BudgetSettlements.sum(sums, lease.row);
                    sum[0] = sum[0].add(out);
                    sum[1] = sum[1].add(spent);
                }
            }
        }

        /**
         * With the usage rows moved (and locked): lowers every lease row by what its calls took out
         * (one statement on PostgreSQL), deletes the rows of leases that lend no more once they hold
         * nothing, and puts back on the usage row what a lease row that is gone (expired and
         * released) no longer held.
         */
        void takeFromLeases(Handle h, Dialect dialect) {
            present = dialect == Dialect.POSTGRESQL ? takeAll(h, perLease) : takeEach(h, perLease);
            List<UUID> emptied = new ArrayList<>();
            Map<BudgetRow, BigDecimal> gone = new java.util.TreeMap<>();
            perLease.forEach((lease, out) -> {
                if (!present.contains(lease.id)) {
                    gone.merge(lease.row, out, BigDecimal::add);
                } else if (retiring.get(lease)) {
                    emptied.add(lease.id);
                }
            });
            if (!emptied.isEmpty()) {
                h.createUpdate("DELETE FROM ai_budget_reservations WHERE id IN (<ids>) AND amount <= 0")
                        .bindList("ids", emptied).execute();
            }
            gone.forEach((row, amount) -> h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved + :amount "
                            + "WHERE org_id = :org AND budget_key = :key AND period_key = :period")
                    .bind("amount", amount).bind("org", row.org()).bind("key", row.budgetKey())
                    .bind("period", row.period()).execute());
        }

        /** What to run once the transaction commits: the leases' in-memory amounts. */
        Runnable afterCommit() {
            Set<UUID> there = present;
            return () -> {
                for (Settlement s : loans) {
                    Leased l = (Leased) s.reservation();
                    List<BigDecimal> each = new ArrayList<>(l.loan().leases().size());
                    l.loan().leases().forEach(lease -> each.add(there.contains(lease.id)
                            ? out(l, lease, s.actualUsd()) : null));
                    l.leases().forget(l.id());
                    l.leases().settled(l.loan(), each);
                }
            };
        }

        private BigDecimal out(Leased l, BudgetLeases.Lease lease, BigDecimal actualUsd) {
            return BudgetLoans.out(l, actualUsd, retiring.get(lease));
        }
    }

    /**
     * What leaves a lease when the call settles: its charge, at most the worst case it borrowed, and
     * from a lease that lends no more the whole worst case (what the call did not use goes back).
     */
    private static BigDecimal out(Leased l, BigDecimal actualUsd, boolean retiring) {
        BigDecimal w = l.loan().worstCase();
        return retiring ? w : BudgetSettlements.money(l.charge(actualUsd)).min(w).max(BigDecimal.ZERO);
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
        h.createQuery("UPDATE ai_budget_reservations r SET amount = r.amount - v.amount FROM unnest((SELECT CAST(? AS uuid[])), "
                        + "(SELECT CAST(? AS text[])), (SELECT CAST(? AS numeric[]))) AS v(id, budget_key, amount) "
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

    /**
     * Charges, inside the caller's transaction, a call of a dead instance its worst case from the
     * leases its started record noted ({@code note}: the worst case, then the lease ids, as
     * {@link BudgetLeases} lends): each lease row still there gives the amount to its usage row's spend.
     */
    static void chargeAbandoned(Handle h, String note) {
        String[] parts = note.trim().split(" ");
        BigDecimal w = new BigDecimal(parts[0]);
        record Row(UUID id, BudgetRow usage) {
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            UUID id = UUID.fromString(parts[i]);
            h.createQuery("SELECT org_id, budget_key, period_key FROM ai_budget_reservations WHERE id = :id")
                    .bind("id", id)
                    .map((rs, ctx) -> new Row(id, new BudgetRow(rs.getString(1), rs.getString(2), rs.getString(3))))
                    .findOne().ifPresent(rows::add);
        }
        rows.sort(java.util.Comparator.comparing(Row::usage));
        for (Row r : rows) {
            BudgetRow u = r.usage();
            h.createQuery("SELECT reserved FROM ai_budget_usage WHERE org_id = :org AND budget_key = :key "
                            + "AND period_key = :period FOR UPDATE")
                    .bind("org", u.org()).bind("key", u.budgetKey()).bind("period", u.period())
                    .mapTo(BigDecimal.class).findOne();
            BigDecimal amount = h.createQuery("SELECT amount FROM ai_budget_reservations WHERE id = :id "
                            + "AND budget_key = :key")
                    .bind("id", r.id()).bind("key", u.budgetKey()).mapTo(BigDecimal.class).findOne().orElse(null);
            if (amount == null) {
                continue;
            }
            BigDecimal moved = amount.min(w).max(BigDecimal.ZERO);
            h.createUpdate("UPDATE ai_budget_reservations SET amount = amount - :moved WHERE id = :id "
                            + "AND budget_key = :key")
                    .bind("moved", moved).bind("id", r.id()).bind("key", u.budgetKey()).execute();
            h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved - :moved, spent = spent + :spent "
                            + "WHERE org_id = :org AND budget_key = :key AND period_key = :period")
                    .bind("moved", moved).bind("spent", w).bind("org", u.org()).bind("key", u.budgetKey())
                    .bind("period", u.period()).execute();
        }
    }
}
