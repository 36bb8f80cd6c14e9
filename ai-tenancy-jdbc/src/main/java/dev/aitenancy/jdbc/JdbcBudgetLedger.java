package dev.aitenancy.jdbc;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Grouped;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetSpend;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Budgets in {@code ai_budgets}, with spent and reserved money per period in
 * {@code ai_budget_usage}, exact across instances: a reservation adds the worst case to the usage
 * rows of every budget that applies and keeps it only if every hard one has room; settling moves
 * it to the actual spend. A reservation whose instance died is released after
 * {@code reservationTtl}.
 *
 * <p><b>Leases.</b> By default ({@link AiTenancyJdbc#budgetLedger}) a priced call reserves from
 * this instance's budget leases ({@link BudgetLeases}) without a transaction: a lease holds money of
 * one budget's usage row in its {@code reserved}, taken a slice at a time (up to 1/50 of the limit, a
 * whole number of the call's worst case, never more than a quarter of the room left), so the database
 * is touched per slice rather than per call and the global bound stays exact: {@code spent +
 * reserved} never passes a hard limit, whatever number of instances hold leases. Near the limit, a
 * call a lease cannot cover gives back what this instance's leases of its budgets have not lent and is
 * reserved alone, as below, so it is refused only when what is truly left does not fit it (another
 * instance's unlent lease money counts as reserved until that instance gives it back: after 30 s
 * without use, at {@link #close()}, or when it dies, at the end of the lease's lifetime,
 * {@code reservationTtl}). Settling moves the call's cost from the lease to the spend, in the
 * transaction of the finished record when a {@link JdbcUsageSink} of the same {@link AiTenancyJdbc}
 * writes it; a call whose instance dies is charged its worst case from the leases its started record
 * notes. {@link #spend} reports as reserved what calls in flight hold and what other instances'
 * leases hold. Unpriced calls and a ledger made with leases off reserve call by call, as follows.
 *
 * <p><b>Reserving in groups.</b> Calls that reserve at the same moment on one ledger are
 * decided together, in one transaction per group whose round trips do not grow with the group: one
 * {@code SELECT ... WHERE (org_id, budget_key, period_key) IN (...) ORDER BY ... FOR UPDATE} locks
 * the group's usage rows and reads what is spent and reserved; each call is then decided in
 * arrival order with {@link BudgetPeriods#admit}, the rule of a lone call, counting what the calls
 * before it in the group reserved (a hard budget refuses with the same exception and message, a
 * soft one reports the overrun; a refused call holds nothing); then the admitted worst cases are
 * added to the rows and the admitted calls' reservation rows inserted, the same rows as ever, so
 * {@link Reservation#settle}, the usage writer's {@link BudgetSettlements#settleAllIn} and the expiry sweep work unchanged. On
 * PostgreSQL that write is one statement (the UPDATE in a {@code WITH} clause, the INSERT from
 * unnested arrays), so a group costs three round trips whatever its size: the locking SELECT, the
 * write and the commit; on H2, embedded, it is one batched UPDATE and one batched INSERT. A lone
 * call is a group of one: one transaction, as before; on PostgreSQL it reserves as it did before
 * groups, with one {@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING} per usage row (a refusal
 * rolls back), which costs the database less than the group's statements when nobody shares them
 * (measured: about 130 µs of server CPU less per call). Exactness is the database's: every decision
 * is made while the group holds the row locks, so another group, here or in another instance, sees
 * its reservations only once it has committed.
 *
 * <p>The group forms on the callers' own threads ({@link Grouped}): the first caller leads and runs
 * the transaction, callers arriving meanwhile wait and the first of them leads the next group with
 * all of them. A dedicated committer thread (as the usage sink's started records have) groups as
 * well, but costs a lone call two thread hand-offs, competes with every caller for the CPU, and a
 * ledger has no close to stop it. A group mixes orgs: every transaction that locks usage rows —
 * a group, a lone call, a settlement, the usage writer's batch of many orgs, the release of a
 * call whose instance died — locks them in the one order below, so none waits for another in a
 * circle (per-org groups, measured, left 64 callers of 100 orgs in groups of one).
 *
 * <p>Every reservation locks usage rows in one global order (org, budget key, period; PostgreSQL
 * sorts with {@code COLLATE "C"} to match Java's order, in which settlements lock a call's rows),
 * and a group's transaction only ever locks rows that exist: a usage row of a new period is
 * inserted first in a transaction of its own (PostgreSQL: a batched {@code INSERT ... ON CONFLICT
 * DO NOTHING}; H2: one insert per row, a duplicate ignored), and the group tried again. Serialization
 * failures and deadlocks are tried again ({@link Sql#retryingConflicts}); when the database cannot
 * be reached, every call of the group, and every call that queued behind it meanwhile, gets the
 * failure at once (alone, each would get it after waiting as long again); when it refuses the
 * group's transaction otherwise, each call is decided alone so only the one it refuses fails.
 *
 * <p>Settling deletes the reservation (PostgreSQL: with {@code RETURNING}) and moves its amount to
 * the spend in the usage rows, in that order ({@link BudgetSettlements}).
 */
public final class JdbcBudgetLedger implements BudgetStore, AutoCloseable {

    record Held(Budget budget, String budgetKey, String period) {
    }

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final BudgetAlertListener listener;
    private final Duration reservationTtl;
    private final AtomicLong sweptMinute = new AtomicLong();
    private final dev.aitenancy.spi.TtlCache<OrgId, List<Budget>> definitions;
    private final BudgetHolds holds;
    private final BudgetLeases leases;

    JdbcBudgetLedger(Jdbi jdbi, Dialect dialect, Clock clock, BudgetAlertListener listener, Duration reservationTtl,
            Duration definitionsTtl, java.util.Map<UUID, String> leaseNotes, boolean leasing) {
        this.definitions = new dev.aitenancy.spi.TtlCache<>(definitionsTtl, clock, 10_000);
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.reservationTtl = Objects.requireNonNull(reservationTtl, "reservationTtl");
        this.holds = new BudgetHolds(jdbi, dialect, reservationTtl);
        this.leases = leasing ? new BudgetLeases(jdbi, reservationTtl, holds, leaseNotes) : null;
    }

    /**
     * Gives back the money this ledger's leases have not lent to calls, and takes no more leases
     * (calls then reserve one by one). Calls reserved from leases still settle as usual.
     */
    @Override
    public void close() {
        if (leases != null) {
            leases.close();
        }
    }

    /** The leases of this ledger (null when it reserves call by call), for tests. */
    BudgetLeases leases() {
        return leases;
    }

    @Override
    public void setBudget(Budget b) {
        Sql.upsert(jdbi,
                h -> bind(h.createUpdate("UPDATE ai_budgets SET limit_usd = :limit, hard = :hard, "
                        + "alert_threshold = :threshold, zone = :zone, allow_unpriced = :allowUnpriced "
                        + "WHERE org_id = :org AND scope = :scope AND subject = :subject AND period = :period"), b)
                        .execute(),
                h -> bind(h.createUpdate("INSERT INTO ai_budgets (org_id, scope, subject, period, limit_usd, hard, "
                        + "alert_threshold, zone, allow_unpriced) VALUES (:org, :scope, :subject, :period, :limit, "
                        + ":hard, :threshold, :zone, :allowUnpriced)"), b).execute());
        definitions.invalidateIf(b.org()::equals);
    }

    private static org.jdbi.v3.core.statement.Update bind(org.jdbi.v3.core.statement.Update u, Budget b) {
        return u.bind("org", b.org().value()).bind("scope", b.scope().name())
                .bind("subject", b.subject() == null ? "" : b.subject()).bind("period", b.period().name())
                .bind("limit", b.limitUsd()).bind("hard", b.hard()).bind("threshold", b.alertThreshold())
                .bind("zone", b.zone().getId()).bind("allowUnpriced", b.allowUnpriced());
    }

    @Override
    public boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period) {
        boolean removed = jdbi.withHandle(h -> h.createUpdate("DELETE FROM ai_budgets WHERE org_id = :org "
                        + "AND scope = :scope AND subject = :subject AND period = :period")
                .bind("org", org.value()).bind("scope", scope.name()).bind("subject", subject == null ? "" : subject)
                .bind("period", period.name())
                .execute()) > 0;
        definitions.invalidateIf(org::equals);
        return removed;
    }

    @Override
    public List<Budget> budgets(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_budgets WHERE org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> {
                    Budget.Scope scope = Budget.Scope.valueOf(rs.getString("scope"));
                    return new Budget(org, scope, scope == Budget.Scope.ORG ? null : rs.getString("subject"),
                            Budget.Period.valueOf(rs.getString("period")), rs.getBigDecimal("limit_usd").stripTrailingZeros(),
                            rs.getBoolean("hard"), rs.getBigDecimal("alert_threshold").stripTrailingZeros(),
                            ZoneId.of(rs.getString("zone")), rs.getBoolean("allow_unpriced"));
                })
                .list());
    }

    @Override
    public BudgetSpend spend(Budget b, Instant at) {
        LocalDate start = BudgetPeriods.periodStart(b, at);
        BudgetRow row = new BudgetRow(b.org().value(), BudgetPeriods.budgetKey(b), BudgetPeriods.periodKey(b, at));
        // reserved: what calls in flight hold, and other instances' leases; not this instance's unlent lease money
        BigDecimal unlent = leases == null ? BigDecimal.ZERO : leases.unlent(row);
        return jdbi.withHandle(h -> h.createQuery("SELECT spent, reserved FROM ai_budget_usage WHERE org_id = :org "
                        + "AND budget_key = :key AND period_key = :period")
                .bind("org", row.org()).bind("key", row.budgetKey()).bind("period", row.period())
                .map((rs, ctx) -> new BudgetSpend(start, rs.getBigDecimal("spent"),
                        rs.getBigDecimal("reserved").subtract(unlent).max(BigDecimal.ZERO)))
                .findOne()
                .orElse(BudgetSpend.none(start)));
    }

    @Override
    public BudgetReservation reserve(OrgId org, Caller caller, String tier, BigDecimal worstCaseOrUnpriced) {
        return reserve(UUID.randomUUID(), org, caller, tier, worstCaseOrUnpriced);
    }

    /**
     * Reserves under the id of the call's usage record: a {@link JdbcUsageSink} on the same
     * {@link Jdbi} then settles it in the transaction that writes the finished record, and settles
     * a call whose instance died from its started record.
     */
    @Override
    public BudgetReservation reserve(UUID callId, OrgId org, Caller caller, String tier,
            BigDecimal worstCaseOrUnpriced) {
        // a call that cannot be priced holds nothing (and adds nothing when settled with an unknown cost)
        BigDecimal worstCase = worstCaseOrUnpriced == null ? BigDecimal.ZERO : worstCaseOrUnpriced;
        Instant now = clock.instant();
        sweep(now);
        List<Held> held = new ArrayList<>();
        for (Budget b : BudgetPeriods.applying(definitions.get(org, this::budgets), caller, tier)) {
            held.add(new Held(b, BudgetPeriods.budgetKey(b), BudgetPeriods.periodKey(b, now)));
        }
        if (held.isEmpty()) {
            return BudgetReservation.NONE;
        }
        held.sort(Comparator.comparing(Held::budgetKey));
        UUID id = Objects.requireNonNull(callId, "callId");
        List<Held> hold = List.copyOf(held);
        if (leases != null && worstCase.signum() > 0) {
            BudgetLeases.Loan loan = leases.reserve(id, org, hold, worstCase, now);
            if (loan != null) {
                return new Leased(this, org, id, hold, loan);
            }
        }
        BudgetHolds.Decision decision = holds.hold(new BudgetHolds.Call(org, id, hold, worstCaseOrUnpriced, now));
        if (decision.refusal() != null) {
            // perhaps decided on the leader's thread: the stack trace is this caller's
            throw (BudgetExceededException) decision.refusal().fillInStackTrace();
        }
        return new Reservation(this, org, id, hold, worstCase, decision.overrun());
    }

    /** The grouping of the reservations, for tests. */
    Grouped<?, ?> reservationGroups() {
        return holds.groups();
    }

    /** A call's own reservation rows, one per budget ({@link BudgetHolds}). */
    static final class Reservation extends Settleable {
        private final BigDecimal worstCase;
        private final List<Budget> overrun;

        private Reservation(JdbcBudgetLedger ledger, OrgId org, UUID id, List<Held> held, BigDecimal worstCase,
                List<Budget> overrun) {
            super(ledger, org, id, held);
            this.worstCase = worstCase;
            this.overrun = overrun;
        }

        @Override
        public void settle(BigDecimal actualUsd) {
            if (claim()) {
                ledger.settle(org(), id(), held(), charge(actualUsd));
            }
        }

        @Override
        public List<Budget> softBudgetsOverrun() {
            return overrun;
        }

        @Override
        Runnable settleIn(Handle h, BigDecimal actualUsd) {
            List<Crossed> crossed = BudgetSettlements.settleIn(h, ledger.dialect, org(), id(), held(),
                    charge(actualUsd));
            return () -> alert(crossed);
        }

        @Override
        BigDecimal charge(BigDecimal actualUsd) {
            return actualUsd == null ? worstCase : actualUsd;
        }
    }

    /**
     * A reservation of this ledger, settled once, by {@link #settle} in a transaction of its own,
     * or by a {@link JdbcUsageSink} on the same database that {@link #claim}s it and settles it with
     * {@link #settleIn} in the transaction that writes the call's finished record: one call's own
     * reservation rows ({@link Reservation}) or its loan from this instance's leases ({@link Leased}).
     */
    abstract static sealed class Settleable implements BudgetReservation permits Reservation, Leased {
        final JdbcBudgetLedger ledger;
        private final OrgId org;
        private final UUID id;
        private final List<Held> held;
        private final AtomicBoolean settled = new AtomicBoolean();

        Settleable(JdbcBudgetLedger ledger, OrgId org, UUID id, List<Held> held) {
            this.ledger = ledger;
            this.org = org;
            this.id = id;
            this.held = held;
        }

        final OrgId org() {
            return org;
        }

        final UUID id() {
            return id;
        }

        final List<Held> held() {
            return held;
        }

        /** Whether this reservation can be settled inside a transaction on {@code jdbi}. */
        final boolean sharesDatabase(Jdbi other) {
            return ledger.jdbi == other;
        }

        /** Takes over the settlement (true once): the caller must then settle it with {@link #settleIn}. */
        final boolean claim() {
            return settled.compareAndSet(false, true);
        }

        /** What settling at {@code actualUsd} charges: the worst case when the cost is unknown. */
        abstract BigDecimal charge(BigDecimal actualUsd);

        /** Settles in the caller's transaction; returns what to run once it commits (alerts). */
        abstract Runnable settleIn(Handle h, BigDecimal actualUsd);

        final void alert(List<Crossed> crossed) {
            ledger.alert(crossed);
        }
    }

    /**
     * A call's reservation lent by this instance's leases ({@link BudgetLeases}): its settlement
     * moves the cost from the leases to the spend, and when it costs nothing touches no row.
     */
    static final class Leased extends Settleable {
        private final BudgetLeases.Loan loan;

        private Leased(JdbcBudgetLedger ledger, OrgId org, UUID id, List<Held> held, BudgetLeases.Loan loan) {
            super(ledger, org, id, held);
            this.loan = loan;
        }

        @Override
        public void settle(BigDecimal actualUsd) {
            if (!claim()) {
                return;
            }
            BigDecimal charge = charge(actualUsd);
            if (charge.signum() == 0 && loan.leases().stream().noneMatch(ledger.leases::retiring)) {
                // nothing to move: the worst case is the leases' to lend again
                ledger.leases.forget(id());
                ledger.leases.settled(loan, java.util.Collections.nCopies(held().size(), BigDecimal.ZERO));
                return;
            }
            Sql.retryingConflicts(() -> ledger.jdbi.inTransaction(h -> settleIn(h, charge))).run();
        }

        @Override
        public List<Budget> softBudgetsOverrun() {
            return List.of(); // a lease only lends what fits under every budget
        }

        BudgetLeases.Loan loan() {
            return loan;
        }

        BudgetLeases leases() {
            return ledger.leases;
        }

        @Override
        BigDecimal charge(BigDecimal actualUsd) {
            return actualUsd == null ? loan.worstCase() : actualUsd;
        }

        @Override
        Runnable settleIn(Handle h, BigDecimal actualUsd) {
            return BudgetSettlements.settleAllIn(h, ledger.dialect,
                    List.of(new BudgetSettlements.Settlement(this, actualUsd)), List.of());
        }
    }

    record Crossed(Held held, BigDecimal total) {
    }

    /**
     * Moves the reservation to the actual spend on every budget still holding it, in budget-key
     * order as reservations lock them, and alerts once per period where the threshold is crossed:
     * the usage row stays locked until commit, so a concurrent settlement sees {@code alerted}.
     */
    private void settle(OrgId org, UUID id, List<Held> held, BigDecimal spent) {
        alert(Sql.retryingConflicts(() -> jdbi.inTransaction(h -> BudgetSettlements.settleIn(h, dialect, org, id, held,
                spent))));
    }

    private void alert(List<Crossed> crossed) {
        for (Crossed c : crossed) {
            listener.thresholdCrossed(c.held().budget(), c.held().period(), c.total().stripTrailingZeros());
        }
    }

    /**
     * Releases, now, the reservations and leases whose lifetime ended (their instance died) and that
     * no started call holds any more; {@link #reserve} does it once a minute on its own.
     */
    void releaseExpired() {
        sweptMinute.set(Long.MIN_VALUE);
        sweep(clock.instant());
    }

    /** Releases expired reservations (their instance died), once a minute per instance. */
    private void sweep(Instant now) {
        long minute = Math.floorDiv(now.toEpochMilli(), 60_000L);
        long last = sweptMinute.get();
        if (last == minute || !sweptMinute.compareAndSet(last, minute)) {
            return;
        }
        record Expired(UUID id, String org, String key, String period) {
        }
        // a call with a started usage record is settled from that record (as abandoned if its instance died),
        // and so is a call lent by a lease (its record notes the lease): such a lease stays until they are
        List<Expired> expired = jdbi.withHandle(h -> h.createQuery("SELECT id, org_id, budget_key, period_key "
                        + "FROM ai_budget_reservations r WHERE expires_at < :now AND NOT EXISTS (SELECT 1 FROM "
                        + "ai_generations g WHERE g.id = r.id AND g.status = 'started') AND NOT EXISTS (SELECT 1 "
                        + "FROM ai_usage_instances i JOIN ai_generations g ON " + InstanceLease.IN_FLIGHT
                        + " WHERE g.budget_leases LIKE CONCAT('%', CAST(r.id AS VARCHAR(36)), '%'))")
                .bind("now", now)
                .map((rs, ctx) -> new Expired(rs.getObject("id", UUID.class), rs.getString("org_id"),
                        rs.getString("budget_key"), rs.getString("period_key")))
                .list());
        for (Expired e : expired) {
            Sql.retryingConflicts(() -> jdbi.inTransaction(h -> BudgetSettlements.release(h, OrgId.of(e.org()), e.id(),
                    new Held(null, e.key(), e.period()), null)));
        }
    }
}
