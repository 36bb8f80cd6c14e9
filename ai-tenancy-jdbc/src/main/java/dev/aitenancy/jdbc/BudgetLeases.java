package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.JdbcBudgetLedger.Held;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.Budget;
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
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budget leases of one {@link JdbcBudgetLedger}: money this instance holds on a usage row of
 * {@code ai_budget_usage}, counted in its {@code reserved} like any reservation and kept in a lease
 * row of {@code ai_budget_reservations} (its own id, the usage row, the amount, an expiry), from
 * which calls reserve their worst case in memory, without a transaction.
 *
 * <p><b>Taking.</b> A call that some lease of its budgets cannot cover takes what is missing, plus up
 * to 1/{@value #SLICE_DIVISOR} of the budget's limit (never more than a quarter of the room left, so
 * leases shrink as a budget fills), for every budget of the call whose lease is short, at once, in
 * one transaction that locks the usage rows in {@link BudgetRow}'s order; a lease that covers the
 * call is left as it is (an org's lease does not grow by a slice with each new user's first call).
 * When a budget has no room for the call's share the call is reserved alone as before (which refuses it on a hard budget, or reports the overrun
 * of a soft one): a refusal means the database had no room for the call, other instances' unused
 * lease money counted as reserved. So the database's {@code spent + reserved} never passes a hard
 * limit, whatever number of instances hold leases.
 *
 * <p><b>Settling.</b> A call settles by moving its cost (at most its worst case) from the lease to
 * the spend: the lease row and the usage row, in the transaction that writes the call's finished
 * record ({@link BudgetSettlements#settleAllIn}); what the worst case did not use stays in the lease.
 * The in-memory view follows only after that transaction commits. A settlement of nothing (a
 * refused call, a call that cost nothing) needs no transaction.
 *
 * <p><b>Giving back.</b> Money a lease has not lent out goes back after {@value #IDLE_MILLIS} ms
 * without a call on it, and all of it on {@link #close()}; a lease whose budget definition changed or
 * whose renewal is due is retired the same way. A lease row lives until {@code ttl} after it was last
 * renewed; a call after half of that renews it. An instance that dies leaves its lease rows behind:
 * its started calls are charged their worst case from them by the usage sink's settlement of
 * abandoned calls ({@link BudgetLoans#chargeAbandoned}), and the rest is released when the row expires, as an
 * expired reservation is ({@link JdbcBudgetLedger}'s sweep, which leaves alone a lease a started call
 * still holds).
 *
 * <p>Every transaction that touches a lease row locks its usage row first, so a settlement, a take,
 * a give-back and the sweep never see a lease row change between reading and writing it.
 */
final class BudgetLeases {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcBudgetLedger.class);

    /** A lease takes at most this part of a budget's limit at once. */
    static final int SLICE_DIVISOR = 50;
    /** Unlent money goes back after this long without a call on its lease. */
    static final long IDLE_MILLIS = 30_000;
    /** The scale of the money columns. */
    private static final int SCALE = BudgetSettlements.MONEY_SCALE;

    private final Jdbi jdbi;
    private final Duration ttl;
    private final BudgetHolds holds;
    private final Map<UUID, String> notes;
    private final Map<BudgetRow, Lease> leases = new HashMap<>(); // guarded by this
    private final java.util.Set<Lease> retired = new java.util.LinkedHashSet<>(); // guarded by this: lending no more, row still there
    private final ReentrantLock taking = new ReentrantLock();
    private final AtomicLong takes = new AtomicLong();
    private volatile long idleNanos = IDLE_MILLIS * 1_000_000L;
    private volatile long nextIdleLook = System.nanoTime();
    private volatile boolean closed;

    /**
     * @param notes where a call's leases are noted for its started record (call id to its worst case
     *              and lease ids), shared with the usage sink of the same {@link AiTenancyJdbc}
     */
    BudgetLeases(Jdbi jdbi, Duration ttl, BudgetHolds holds, Map<UUID, String> notes) {
        this.jdbi = jdbi;
        this.ttl = ttl;
        this.holds = holds;
        this.notes = notes;
    }

    /** Money one instance holds on one usage row, and what of it calls have reserved. */
    static final class Lease {
        final UUID id;
        final BudgetRow row;
        final Budget budget;
        BigDecimal held = BigDecimal.ZERO; // as the lease row holds it after the last commit
        BigDecimal lent = BigDecimal.ZERO; // worst cases of calls reserved from it, not settled yet
        Instant renewBy; // new calls only before then
        long lastUse = System.nanoTime();
        boolean retiring;

        Lease(UUID id, BudgetRow row, Budget budget) {
            this.id = id;
            this.row = row;
            this.budget = budget;
        }

        BigDecimal unlent() {
            return held.subtract(lent);
        }
    }

    /** A call's reservation from leases, one per budget, in the order of the call's budgets. */
    record Loan(List<Lease> leases, BigDecimal worstCase) {
    }

    /** How long a lease stays without a call before what it has not lent goes back (for tests). */
    void idleAfter(Duration idle) {
        idleNanos = idle.toNanos();
    }

    /** Transactions that took or renewed leases (for tests). */
    long takes() {
        return takes.get();
    }

    /**
     * Reserves {@code worstCase} (positive) for the call from this instance's leases of every budget
     * in {@code held}, taking or topping them up first when short; null when the database has no room
     * for a lease to cover the call (then the call is reserved alone).
     */
    Loan reserve(UUID callId, OrgId org, List<Held> held, BigDecimal worstCase, Instant now) {
        if (closed) {
            return null;
        }
        BigDecimal w = worstCase.setScale(SCALE, RoundingMode.HALF_UP); // as a reservation row stores it
        if (w.signum() <= 0) {
            return null;
        }
        giveBackIdle(false);
        Loan loan = lend(callId, org, held, w, now);
        if (loan != null) {
            return loan;
        }
        taking.lock();
        try {
            loan = lend(callId, org, held, w, now); // another caller may have topped the leases up meanwhile
            // after a take, other callers may lend what it took first: then the call is reserved alone
            return loan != null || !take(org, held, w, now) ? loan : lend(callId, org, held, w, now);
        } finally {
            taking.unlock();
        }
    }

    private static BudgetRow row(OrgId org, Held h) {
        return new BudgetRow(org.value(), h.budgetKey(), h.period());
    }

    /** A lease that may lend for {@code b} now (same definition, renewal not due, not retiring), or null. */
    private Lease usable(BudgetRow row, Budget b, Instant now) {
        Lease l = leases.get(row);
        return l != null && !l.retiring && now.isBefore(l.renewBy) && l.budget.equals(b) ? l : null;
    }

    /** Lends {@code w} from the leases of every budget, or nothing when one of them is short. */
    private synchronized Loan lend(UUID callId, OrgId org, List<Held> held, BigDecimal w, Instant now) {
        Lease[] found = new Lease[held.size()];
        for (int i = 0; i < found.length; i++) {
            Lease l = usable(row(org, held.get(i)), held.get(i).budget(), now);
            if (l == null || l.unlent().compareTo(w) < 0) {
                return null;
            }
            found[i] = l;
        }
        long t = System.nanoTime();
        StringBuilder note = new StringBuilder(w.toPlainString());
        for (Lease l : found) {
            l.lent = l.lent.add(w);
            l.lastUse = t;
            note.append(' ').append(l.id);
        }
        notes.put(callId, note.toString());
        return new Loan(List.of(found), w);
    }

    /** A usage row's part in a take: the lease to top up (null: a new one, of id {@code newId}) and the amount. */
    private record Step(Held held, BudgetRow row, Lease lease, UUID newId, BigDecimal amount) {
    }

    /** A lease that lends no more, giving back {@code amount} (what it has not lent) in a take. */
    private record Back(Lease lease, BigDecimal amount) {
    }

    /**
     * A take's steps and give-backs; when {@code room} is false there are no steps, and every lease
     * of the call's usage rows gives back what it has not lent.
     */
    private record Plan(List<Step> steps, List<Back> backs, boolean room) {
    }

    /**
     * One transaction: for every budget whose lease cannot cover {@code w}, takes the shortfall and
     * a slice from the usage row, topping up the lease or starting a new one; a lease of the row that
     * may no longer lend (its definition changed, or its renewal is due) gives back what it has not
     * lent in the same transaction. When a budget has no room for the call's share, takes nothing,
     * gives back everything the call's rows' leases have not lent, and returns false: the call is then
     * reserved alone against what is truly left.
     */
    private boolean take(OrgId org, List<Held> held, BigDecimal w, Instant now) {
        List<BudgetRow> rows = new ArrayList<>(held.size());
        held.forEach(h -> rows.add(row(org, h)));
        List<BudgetRow> sorted = rows.stream().sorted().distinct().toList();
        Instant expires = now.plus(ttl);
        while (true) {
            Plan plan = Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
                Map<BudgetRow, BigDecimal> used = holds.lockRows(h, sorted);
                if (used.size() < sorted.size()) {
                    return null;
                }
                Plan p = plan(held, rows, used, w, now, retiredThere(h, sorted, held, org, now));
                for (Back back : p.backs()) {
                    giveBack(h, back.lease(), back.amount());
                }
                for (Step s : p.steps()) {
                    apply(h, s, expires);
                }
                return p;
            }));
            if (plan == null) {
                holds.seedRows(sorted); // rows of a new period; the ones that exist stay as they are
                continue;
            }
            takes.incrementAndGet();
            committed(plan, now);
            return plan.room();
        }
    }

    /**
     * The leases on {@code rows} that may not lend for this call (retired, stale), with the usage rows
     * locked, whose lease rows are still there: one released meanwhile (it expired, after a clock jump)
     * gives nothing back.
     */
    private List<Lease> retiredThere(Handle h, List<BudgetRow> rows, List<Held> held, OrgId org, Instant now) {
        List<Lease> candidates = new ArrayList<>();
        synchronized (this) {
            for (Held b : held) {
                Lease l = leases.get(row(org, b));
                if (l != null && usable(l.row, b.budget(), now) == null) {
                    candidates.add(l);
                }
            }
            for (Lease r : retired) {
                if (rows.contains(r.row) && !candidates.contains(r)) {
                    candidates.add(r);
                }
            }
        }
        List<Lease> there = new ArrayList<>(candidates.size());
        for (Lease l : candidates) {
            if (h.createQuery("SELECT COUNT(*) FROM ai_budget_reservations WHERE id = :id AND budget_key = :key")
                    .bind("id", l.id).bind("key", l.row.budgetKey()).mapTo(Integer.class).one() > 0) {
                there.add(l);
            }
        }
        return there;
    }

    /** What a take does to each usage row, decided with the rows locked. */
    private synchronized Plan plan(List<Held> held, List<BudgetRow> rows, Map<BudgetRow, BigDecimal> used,
            BigDecimal w, Instant now, List<Lease> retiredThere) {
        List<Back> backs = new ArrayList<>();
        Map<BudgetRow, BigDecimal> returned = new HashMap<>();
        for (Lease l : retiredThere) {
            l.retiring = true; // lends no more from here on (a lease that gives back must not lend meanwhile)
            BigDecimal unlent = l.unlent().max(BigDecimal.ZERO);
            backs.add(new Back(l, unlent));
            returned.merge(l.row, unlent, BigDecimal::add);
        }
        List<Step> steps = new ArrayList<>(held.size());
        for (int i = 0; i < held.size(); i++) {
            Budget b = held.get(i).budget();
            BudgetRow row = rows.get(i);
            Lease lease = usable(row, b, now);
            BigDecimal unlent = lease == null ? BigDecimal.ZERO : lease.unlent();
            if (lease != null && unlent.compareTo(w) >= 0) {
                continue; // this lease covers the call: left as it is, so it holds no more than one slice
            }
            BigDecimal need = w.subtract(unlent).max(BigDecimal.ZERO);
            BigDecimal room = b.limitUsd().subtract(used.get(row)).add(returned.getOrDefault(row, BigDecimal.ZERO));
            if (room.compareTo(need) < 0) {
                for (int j = 0; j < held.size(); j++) { // the usable leases give back too
                    Lease l = usable(rows.get(j), held.get(j).budget(), now);
                    if (l != null) {
                        l.retiring = true; // see above
                        backs.add(new Back(l, l.unlent().max(BigDecimal.ZERO)));
                    }
                }
                return new Plan(List.of(), backs, false);
            }
            // a whole number of worst cases, so leases of several instances do not strand parts of one
            BigDecimal most = b.limitUsd().divide(BigDecimal.valueOf(SLICE_DIVISOR), SCALE, RoundingMode.DOWN)
                    .min(room.subtract(need).divide(BigDecimal.valueOf(4), SCALE, RoundingMode.DOWN));
            BigDecimal slice = w.multiply(most.divideToIntegralValue(w));
            steps.add(new Step(held.get(i), row, lease, lease == null ? UUID.randomUUID() : null, need.add(slice)));
        }
        return new Plan(steps, backs, true);
    }

    private void apply(Handle h, Step s, Instant expires) {
        BudgetRow row = s.row();
        h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved + :amount WHERE org_id = :org "
                        + "AND budget_key = :key AND period_key = :period")
                .bind("amount", s.amount()).bind("org", row.org()).bind("key", row.budgetKey())
                .bind("period", row.period()).execute();
        if (s.lease() == null) {
            h.createUpdate("INSERT INTO ai_budget_reservations (id, org_id, budget_key, period_key, amount, "
                            + "expires_at) VALUES (:id, :org, :key, :period, :amount, :expires)")
                    .bind("id", s.newId()).bind("org", row.org()).bind("key", row.budgetKey())
                    .bind("period", row.period()).bind("amount", s.amount()).bind("expires", expires).execute();
            return;
        }
        int n = h.createUpdate("UPDATE ai_budget_reservations SET amount = amount + :amount, expires_at = :expires "
                        + "WHERE id = :id AND budget_key = :key")
                .bind("amount", s.amount()).bind("expires", expires).bind("id", s.lease().id)
                .bind("key", row.budgetKey()).execute();
        if (n != 1) { // never while it may lend: it lends only until half of its lifetime
            throw new IllegalStateException("budget lease " + s.lease().id + " is gone from the database");
        }
    }

    /**
     * After a take commits: the leases that gave back lend no more (kept, retired, until their
     * calls have settled), the others' new amounts and renewal times.
     */
    private synchronized void committed(Plan plan, Instant now) {
        for (Back back : plan.backs()) {
            Lease l = back.lease();
            l.retiring = true;
            l.held = l.held.subtract(back.amount());
            if (leases.get(l.row) == l) {
                leases.remove(l.row);
            }
            // kept until a look finds it holding nothing and deletes its row (the give-back deleted it only
            // if no call was lent from it then; calls settling since may have emptied it)
            retired.add(l);
        }
        Instant renewBy = now.plus(ttl.dividedBy(2));
        for (Step s : plan.steps()) {
            Lease l = s.lease();
            if (l == null) {
                l = new Lease(s.newId(), s.row(), s.held().budget());
                leases.put(s.row(), l);
            }
            l.held = l.held.add(s.amount());
            l.renewBy = renewBy;
        }
    }

    /**
     * After a settlement of {@code loan} committed: the call's worst case is no longer lent, and
     * {@code moved} (per lease, null for a lease whose row was gone) left each lease.
     */
    synchronized void settled(Loan loan, List<BigDecimal> moved) {
        for (int i = 0; i < loan.leases().size(); i++) {
            Lease l = loan.leases().get(i);
            l.lent = l.lent.subtract(loan.worstCase());
            BigDecimal m = moved.get(i);
            if (m == null) { // its row is gone (expired and released): it holds nothing, and lends no more
                l.retiring = true;
                l.held = l.lent.max(BigDecimal.ZERO);
                if (leases.get(l.row) == l) {
                    leases.remove(l.row);
                }
            } else {
                l.held = l.held.subtract(m);
            }
            if (l.retiring) {
                retired.add(l); // its row goes at the next look (once it holds nothing), or at close
            }
        }
    }

    /** Whether the lease lends no more (a settlement then takes the call's whole worst case out of it). */
    synchronized boolean retiring(Lease l) {
        return l.retiring;
    }

    /** What this instance's leases on {@code row} have not lent (part of the row's reserved money). */
    synchronized BigDecimal unlent(BudgetRow row) {
        BigDecimal sum = BigDecimal.ZERO;
        Lease l = leases.get(row);
        if (l != null) {
            sum = sum.add(l.unlent().max(BigDecimal.ZERO));
        }
        for (Lease r : retired) {
            if (r.row.equals(row)) {
                sum = sum.add(r.unlent().max(BigDecimal.ZERO));
            }
        }
        return sum;
    }

    /** Forgets the note of a call that settles (it may never have written a started record). */
    void forget(UUID callId) {
        notes.remove(callId);
    }

    /**
     * Gives back the unlent money of every lease idle for {@value #IDLE_MILLIS} ms (every lease
     * with {@code all}) and of retired leases, in one transaction, deleting the rows of leases left
     * with nothing lent; looks at most once a second unless {@code all}. Never throws: what could not
     * go back is tried again at the next look.
     */
    void giveBackIdle(boolean all) {
        long now = System.nanoTime();
        if (!all && now - nextIdleLook < 0) {
            return;
        }
        if (all) {
            taking.lock();
        } else if (!taking.tryLock()) {
            return; // a take is running: look again at the next call
        }
        try {
            nextIdleLook = now + 1_000_000_000L;
            returnUnlent(now, all);
        } finally {
            taking.unlock();
        }
    }

    /** {@link #giveBackIdle}, with no take running (leases change hands only under {@code taking}). */
    private void returnUnlent(long now, boolean all) {
        java.util.Set<Lease> emptied = new java.util.HashSet<>();
        Map<Lease, BigDecimal> back = new TreeMap<>((a, b) -> {
            int c = a.row.compareTo(b.row);
            return c != 0 ? c : a.id.compareTo(b.id);
        });
        synchronized (this) {
            for (var it = leases.values().iterator(); it.hasNext();) {
                Lease l = it.next();
                if (all || now - l.lastUse >= idleNanos) {
                    l.retiring = true; // lends no more from here on
                    it.remove();
                    retired.add(l);
                }
            }
            for (Lease l : retired) {
                BigDecimal unlent = l.unlent().max(BigDecimal.ZERO);
                if (l.lent.signum() <= 0) {
                    emptied.add(l); // nothing lent: the give-back leaves its row at zero and deletes it
                }
                if (unlent.signum() > 0 || l.lent.signum() <= 0) {
                    back.put(l, unlent);
                }
            }
        }
        if (back.isEmpty()) {
            return;
        }
        try {
            Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
                holds.lockRows(h, back.keySet().stream().map(l -> l.row).distinct().toList());
                back.forEach((l, amount) -> giveBack(h, l, amount));
                return back.size();
            }));
        } catch (RuntimeException e) {
            LOG.debug("budget leases could not give back unused money ({}); trying again later", Failures.describe(e));
            return;
        }
        synchronized (this) {
            back.forEach((l, amount) -> {
                l.held = l.held.subtract(amount);
                if (emptied.contains(l)) {
                    retired.remove(l);
                }
            });
        }
    }

    /** Gives {@code amount} of the lease back to its usage row; deletes the lease row once it holds nothing. */
    private static void giveBack(Handle h, Lease l, BigDecimal amount) {
        BudgetRow row = l.row;
        if (amount.signum() > 0) {
            h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved - :amount WHERE org_id = :org "
                            + "AND budget_key = :key AND period_key = :period")
                    .bind("amount", amount).bind("org", row.org()).bind("key", row.budgetKey())
                    .bind("period", row.period()).execute();
            h.createUpdate("UPDATE ai_budget_reservations SET amount = amount - :amount WHERE id = :id "
                            + "AND budget_key = :key")
                    .bind("amount", amount).bind("id", l.id).bind("key", row.budgetKey()).execute();
        }
        // a lease with calls still to settle keeps its row (they settle against it)
        h.createUpdate("DELETE FROM ai_budget_reservations WHERE id = :id AND budget_key = :key AND amount <= 0")
                .bind("id", l.id).bind("key", row.budgetKey()).execute();
    }

    /** Gives everything unlent back and lends no more. */
    void close() {
        closed = true;
        giveBackIdle(true);
    }
}
