package dev.aitenancy.jdbc;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.jdbc.internal.Grouped;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Budgets in {@code ai_budgets}, with spent and reserved money per period in
 * {@code ai_budget_usage}, exact across instances: a reservation adds the worst case to the usage
 * rows of every budget that applies and keeps it only if every hard one has room; settling moves
 * it to the actual spend. A reservation whose instance died is released after
 * {@code reservationTtl}.
 *
 * <p><b>Reserving in groups.</b> Calls of one org that reserve at the same moment on one ledger are
 * decided together, in one transaction per group whose round trips do not grow with the group: one
 * {@code SELECT ... WHERE (org_id, budget_key, period_key) IN (...) ORDER BY ... FOR UPDATE} locks
 * the group's usage rows and reads what is spent and reserved; each call is then decided in
 * arrival order with {@link BudgetPeriods#admit}, the rule of a lone call, counting what the calls
 * before it in the group reserved (a hard budget refuses with the same exception and message, a
 * soft one reports the overrun; a refused call holds nothing); then the admitted worst cases are
 * added to the rows and the admitted calls' reservation rows inserted, the same rows as ever, so
 * {@link #settle}, the usage writer's {@link #settleIn} and the expiry sweep work unchanged. On
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
 * <p>The group forms on the callers' own threads ({@link Grouped}), one grouping per org: the first
 * caller leads and runs the transaction, callers of the org arriving meanwhile wait and the first of
 * them leads the next group with all of them. A dedicated committer thread (as the usage sink's
 * started records have) groups as well, but costs a lone call two thread hand-offs, competes with
 * every caller for the CPU, and a ledger has no close to stop it. Groups never mix orgs: a group
 * holding the rows of several orgs deadlocked with the usage writer, whose batch settles calls of
 * many orgs in record order in one transaction (each deadlock costs PostgreSQL's
 * {@code deadlock_timeout}, a second by default); the rows of one org are locked as a lone call
 * locks them, which the writer's batches already live with.
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
 * the spend in the usage rows, in budget-key order.
 */
public final class JdbcBudgetLedger implements BudgetStore {

    record Held(Budget budget, String budgetKey, String period) {
    }

    /** Most calls decided in one transaction. */
    private static final int GROUP = 128;

    /** The scale of the money columns ({@code DECIMAL(20, 10)}). */
    private static final int AMOUNT_SCALE = 10;

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final BudgetAlertListener listener;
    private final Duration reservationTtl;
    private final AtomicLong sweptMinute = new AtomicLong();
    private final dev.aitenancy.spi.TtlCache<OrgId, List<Budget>> definitions;
    /** One grouping per org: a group's transaction locks the rows of one org only. */
    private final Map<OrgId, Grouped<Call, Decision>> groups = new ConcurrentHashMap<>();
    private final Map<Integer, String> lockStatements = new ConcurrentHashMap<>();

    JdbcBudgetLedger(Jdbi jdbi, Dialect dialect, Clock clock, BudgetAlertListener listener, Duration reservationTtl,
            Duration definitionsTtl) {
        this.definitions = new dev.aitenancy.spi.TtlCache<>(definitionsTtl, clock, 10_000);
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.reservationTtl = Objects.requireNonNull(reservationTtl, "reservationTtl");
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
        Decision decision = groups.computeIfAbsent(org, o -> new Grouped<>(GROUP, group -> decide(o, group)))
                .run(new Call(org, id, hold, worstCaseOrUnpriced, now));
        if (decision.refusal() != null) {
            // perhaps decided on the leader's thread: the stack trace is this caller's
            throw (BudgetExceededException) decision.refusal().fillInStackTrace();
        }
        return new Reservation(this, org, id, hold, worstCase, decision.overrun());
    }

    /** The grouping of an org's reservations, for tests. */
    Grouped<?, ?> reservationGroups(OrgId org) {
        return groups.get(org);
    }

    /**
     * A hold of this ledger, settled once: by {@link #settle} in a transaction of its own, or by a
     * {@link JdbcUsageSink} of the same database that {@link #claim}s it and settles it with
     * {@link JdbcBudgetLedger#settleIn} in the transaction that writes the call's finished record.
     */
    static final class Reservation implements BudgetReservation {
        private final JdbcBudgetLedger ledger;
        private final OrgId org;
        private final UUID id;
        private final List<Held> held;
        private final BigDecimal worstCase;
        private final List<Budget> overrun;
        private final AtomicBoolean settled = new AtomicBoolean();

        private Reservation(JdbcBudgetLedger ledger, OrgId org, UUID id, List<Held> held, BigDecimal worstCase,
                List<Budget> overrun) {
            this.ledger = ledger;
            this.org = org;
            this.id = id;
            this.held = held;
            this.worstCase = worstCase;
            this.overrun = overrun;
        }

        @Override
        public void settle(BigDecimal actualUsd) {
            if (claim()) {
                ledger.settle(org, id, held, actualUsd == null ? worstCase : actualUsd);
            }
        }

        @Override
        public List<Budget> softBudgetsOverrun() {
            return overrun;
        }

        /** Whether this reservation can be settled inside a transaction on {@code jdbi}. */
        boolean sharesDatabase(Jdbi other) {
            return ledger.jdbi == other;
        }

        /** Takes over the settlement (true once): the caller must then settle it with {@link #settleIn}. */
        boolean claim() {
            return settled.compareAndSet(false, true);
        }

        /** Settles in the caller's transaction; run {@link #alert} with the result after it commits. */
        List<Crossed> settleIn(Handle h, BigDecimal actualUsd) {
            return ledger.settleIn(h, org, id, held, charge(actualUsd));
        }

        /** What settling at {@code actualUsd} charges: the worst case when the cost is unknown. */
        BigDecimal charge(BigDecimal actualUsd) {
            return actualUsd == null ? worstCase : actualUsd;
        }

        void alert(List<Crossed> crossed) {
            ledger.alert(crossed);
        }
    }

    /** A call's reservation, to be decided with the others of its group ({@code worstCase} null: unpriced). */
    private record Call(OrgId org, UUID id, List<Held> held, BigDecimal worstCase, Instant now) {
    }

    /** What its group decided for a call: admitted, overrunning these soft budgets, or refused. */
    private record Decision(List<Budget> overrun, BudgetExceededException refusal) {
    }

    /** A row of {@code ai_budget_usage}, in the one order every reservation locks them. */
    private record UsageKey(String org, String key, String period) implements Comparable<UsageKey> {
        @Override
        public int compareTo(UsageKey o) {
            int c = org.compareTo(o.org);
            if (c == 0) {
                c = key.compareTo(o.key);
            }
            return c == 0 ? period.compareTo(o.period) : c;
        }
    }

    /** A group's transaction: the decisions, or the usage rows it found missing (then it decided nothing). */
    private record Attempt(List<Decision> decisions, List<UsageKey> missing) {
    }

    /**
     * Decides a group: every call admitted or refused in one transaction. When the database
     * cannot be reached, every call of the group and every call queued behind it gets the failure
     * (each would have got it alone, after waiting as long again). When the database refuses the
     * transaction otherwise (a conflict is tried again before), each call is decided again alone,
     * so only the one it refuses fails.
     */
    private void decide(OrgId org, List<Grouped.Ask<Call, Decision>> group) {
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
                groups.get(org).failWaiting(e); // those queued meanwhile would wait as long again for the same answer
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
                    groups.get(org).failWaiting(e);
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
        TreeSet<UsageKey> keys = new TreeSet<>();
        for (Call a : asks) {
            for (Held h : a.held()) {
                keys.add(new UsageKey(a.org().value(), h.budgetKey(), h.period()));
            }
        }
        List<UsageKey> sorted = List.copyOf(keys);
        while (true) {
            Attempt attempt = Sql.retryingConflicts(() -> jdbi.inTransaction(h -> hold(h, asks, sorted)));
            if (attempt.missing().isEmpty()) {
                return attempt.decisions();
            }
            seed(attempt.missing());
        }
    }

    /**
     * PostgreSQL, a call alone: one {@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING} per usage
     * row (creating a missing one) adds the worst case and returns what was there, in budget-key
     * order; a refusal rolls the transaction back. Cheaper for the database than the group's
     * statements when there is no group to share them.
     */
    private Decision holdAlone(Call call) {
        BigDecimal amount = call.worstCase() == null ? BigDecimal.ZERO : call.worstCase();
        try {
            return new Decision(Sql.retryingConflicts(() -> jdbi.inTransaction(handle -> {
                List<Budget> overrun = new ArrayList<>();
                for (Held h : call.held()) {
                    BigDecimal usedBefore = handle.createQuery("INSERT INTO ai_budget_usage (org_id, budget_key, "
                                    + "period_key, spent, reserved, alerted) VALUES (:org, :key, :period, 0, :amount, "
                                    + "FALSE) ON CONFLICT (org_id, budget_key, period_key) DO UPDATE SET reserved = "
                                    + "ai_budget_usage.reserved + EXCLUDED.reserved RETURNING spent, reserved")
                            .bind("org", call.org().value()).bind("key", h.budgetKey()).bind("period", h.period())
                            .bind("amount", amount)
                            .map((rs, ctx) -> rs.getBigDecimal("spent").add(rs.getBigDecimal("reserved"))
                                    .subtract(amount))
                            .one();
                    if (!BudgetPeriods.admit(call.org(), h.budget(), usedBefore, call.worstCase())) {
                        overrun.add(h.budget());
                    }
                }
                List<HeldRow> rows = new ArrayList<>();
                for (Held h : call.held()) {
                    rows.add(new HeldRow(call.id(), new UsageKey(call.org().value(), h.budgetKey(), h.period()), amount,
                            call.now().plus(reservationTtl)));
                }
                writeInBatches(handle, Map.of(), rows);
                return List.copyOf(overrun);
            })), null);
        } catch (BudgetExceededException refused) {
            return new Decision(null, refused);
        }
    }

    /**
     * The group's transaction: locks its usage rows with one {@code SELECT ... FOR UPDATE} in key
     * order, decides each call with {@link BudgetPeriods#admit} against what is spent and reserved
     * (counting the calls admitted before it in the group; a refused call holds nothing), then adds
     * the admitted calls' worst cases to the rows and writes their reservation rows.
     */
    private Attempt hold(Handle h, List<Call> asks, List<UsageKey> keys) {
        Map<UsageKey, BigDecimal> used = lock(h, keys);
        if (used.size() < keys.size()) {
            List<UsageKey> missing = new ArrayList<>();
            for (UsageKey k : keys) {
                if (!used.containsKey(k)) {
                    missing.add(k);
                }
            }
            return new Attempt(List.of(), missing);
        }
        List<Decision> decisions = new ArrayList<>(asks.size());
        Map<UsageKey, BigDecimal> added = new TreeMap<>();
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
                UsageKey k = new UsageKey(a.org().value(), held.budgetKey(), held.period());
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
    private record HeldRow(UUID id, UsageKey usage, BigDecimal amount, Instant expires) {
    }

    /**
     * PostgreSQL: adds the admitted worst cases to the usage rows and inserts the reservation rows
     * in one statement, whatever the group's size (arrays unnested; the UPDATE in a WITH clause).
     */
    private static void writeInOneStatement(Handle h, Map<UsageKey, BigDecimal> added, List<HeldRow> rows) {
        List<UsageKey> usage = List.copyOf(added.keySet());
        h.createUpdate("WITH v (org_id, budget_key, period_key, amount) AS (SELECT * FROM unnest(?::text[], "
                        + "?::text[], ?::text[], ?::numeric[])), held AS (UPDATE ai_budget_usage u SET reserved = "
                        + "u.reserved + v.amount FROM v WHERE u.org_id = v.org_id AND u.budget_key = v.budget_key AND "
                        + "u.period_key = v.period_key) INSERT INTO ai_budget_reservations (id, org_id, budget_key, "
                        + "period_key, amount, expires_at) SELECT r.id, r.org_id, r.budget_key, r.period_key, r.amount, "
                        + "r.expires::timestamptz FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::numeric[], "
                        + "?::text[]) AS r (id, org_id, budget_key, period_key, amount, expires)")
                .bind(0, array("text", usage, UsageKey::org))
                .bind(1, array("text", usage, UsageKey::key))
                .bind(2, array("text", usage, UsageKey::period))
                .bind(3, array("numeric", usage, added::get))
                .bind(4, array("uuid", rows, HeldRow::id))
                .bind(5, array("text", rows, r -> r.usage().org()))
                .bind(6, array("text", rows, r -> r.usage().key()))
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
    private static void writeInBatches(Handle h, Map<UsageKey, BigDecimal> added, List<HeldRow> rows) {
        if (!added.isEmpty()) {
            PreparedBatch reserve = h.prepareBatch("UPDATE ai_budget_usage SET reserved = reserved + :amount "
                    + "WHERE org_id = :org AND budget_key = :key AND period_key = :period");
            added.forEach((k, amount) -> reserve.bind("amount", amount).bind("org", k.org()).bind("key", k.key())
                    .bind("period", k.period()).add());
            reserve.execute();
        }
        PreparedBatch insert = h.prepareBatch("INSERT INTO ai_budget_reservations (id, org_id, budget_key, "
                + "period_key, amount, expires_at) VALUES (:id, :org, :key, :period, :amount, :expires)");
        for (HeldRow r : rows) {
            insert.bind("id", r.id()).bind("org", r.usage().org()).bind("key", r.usage().key())
                    .bind("period", r.usage().period()).bind("amount", r.amount()).bind("expires", r.expires()).add();
        }
        insert.execute();
    }

    /** One call under every budget that applies, in budget-key order, as a lone call is decided. */
    private static Decision decideOne(Call a, Map<UsageKey, BigDecimal> used) {
        List<Budget> overrun = new ArrayList<>();
        try {
            for (Held held : a.held()) {
                BigDecimal u = used.get(new UsageKey(a.org().value(), held.budgetKey(), held.period()));
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
    private Map<UsageKey, BigDecimal> lock(Handle h, List<UsageKey> keys) {
        int n = Integer.highestOneBit(keys.size());
        if (n < keys.size()) {
            n <<= 1;
        }
        String sql = lockStatements.computeIfAbsent(n, this::lockStatement);
        var query = h.createQuery(sql);
        for (int i = 0; i < n; i++) {
            UsageKey k = keys.get(Math.min(i, keys.size() - 1));
            query.bind(3 * i, k.org()).bind(3 * i + 1, k.key()).bind(3 * i + 2, k.period());
        }
        Map<UsageKey, BigDecimal> used = new HashMap<>();
        query.map((rs, ctx) -> used.put(new UsageKey(rs.getString(1), rs.getString(2), rs.getString(3)),
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
    private void seed(List<UsageKey> missing) {
        if (dialect == Dialect.POSTGRESQL) {
            Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
                PreparedBatch insert = h.prepareBatch("INSERT INTO ai_budget_usage (org_id, budget_key, period_key, "
                        + "spent, reserved, alerted) VALUES (:org, :key, :period, 0, 0, FALSE) "
                        + "ON CONFLICT (org_id, budget_key, period_key) DO NOTHING");
                for (UsageKey k : missing) {
                    insert.bind("org", k.org()).bind("key", k.key()).bind("period", k.period()).add();
                }
                return insert.execute();
            }));
            return;
        }
        for (UsageKey k : missing) {
            Sql.seed(jdbi, "INSERT INTO ai_budget_usage (org_id, budget_key, period_key, spent, reserved, alerted) "
                    + "VALUES (:org, :key, :period, 0, 0, FALSE)", u -> u.bind("org", k.org()).bind("key", k.key())
                    .bind("period", k.period()));
        }
    }

    /** A usage row after a settlement: the period's spend, and whether its alert has fired. */
    private record Spent(BigDecimal total, boolean alerted) {
    }

    record Crossed(Held held, BigDecimal total) {
    }

    /**
     * Moves the reservation to the actual spend on every budget still holding it, in budget-key
     * order as reservations lock them, and alerts once per period where the threshold is crossed:
     * the usage row stays locked until commit, so a concurrent settlement sees {@code alerted}.
     */
    private void settle(OrgId org, UUID id, List<Held> held, BigDecimal spent) {
        alert(Sql.retryingConflicts(() -> jdbi.inTransaction(h -> settleIn(h, org, id, held, spent))));
    }

    /**
     * The settlement's work inside the caller's transaction. A reservation released meanwhile (its
     * TTL passed while the call was still running) is charged all the same, so no spend is lost.
     */
    List<Crossed> settleIn(Handle h, OrgId org, UUID id, List<Held> held, BigDecimal spent) {
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
    record Settlement(Reservation reservation, BigDecimal actualUsd) {
    }

    /** One row of {@code ai_budget_usage}, ordered as settlements lock them. */
    private record UsageRow(String org, String budgetKey, String period) implements Comparable<UsageRow> {
        private static final Comparator<UsageRow> ORDER = Comparator.comparing(UsageRow::org)
                .thenComparing(UsageRow::budgetKey).thenComparing(UsageRow::period);

        @Override
        public int compareTo(UsageRow o) {
            return ORDER.compare(this, o);
        }
    }

    /** The scale of the money columns: each amount is rounded to it as the database rounds it when stored. */
    private static final int MONEY_SCALE = 10;

    /**
     * PostgreSQL: moves the summed amounts of each usage row from reserved to spent in one
     * statement that first locks the rows in one order (org, budget key, period), and returns the
     * rows after it.
     */
    private static final String MOVE_ALL = "WITH v AS (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS text[]), "
            + "CAST(? AS text[]), CAST(? AS numeric[]), CAST(? AS numeric[])) AS v(org_id, budget_key, period_key, "
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
     * transaction, as {@link Reservation#settleIn} would one after the other, and returns what to
     * run once it commits: the alerts. Each budget's usage row is updated once, with the sums of its
     * calls, in the order reservations lock rows. On PostgreSQL the reservations are deleted with
     * one statement and the usage rows updated with one more: a batch of records costs the same few
     * round trips whatever its size; on H2, two statements per usage row. Alerts are the ones
     * settling in list order would fire, each with the period's spend at the call that crossed the
     * threshold.
     */
    static Runnable settleAllIn(Handle h, List<Settlement> settlements) {
        if (settlements.isEmpty()) {
            return () -> { };
        }
        boolean postgres = settlements.get(0).reservation().ledger.dialect == Dialect.POSTGRESQL;
        String[] ids = settlements.stream().map(s -> s.reservation().id.toString()).toArray(String[]::new);
        Map<UUID, Map<String, BigDecimal>> reserved = postgres ? takeReservations(h, ids) : takeReservationsLocked(h, ids);
        Map<UsageRow, BigDecimal[]> sums = new TreeMap<>();
        for (Settlement s : settlements) {
            Reservation r = s.reservation();
            BigDecimal spent = money(r.charge(s.actualUsd()));
            Map<String, BigDecimal> held = reserved.getOrDefault(r.id, Map.of());
            for (Held b : r.held) {
                BigDecimal[] sum = sums.computeIfAbsent(new UsageRow(r.org.value(), b.budgetKey(), b.period()),
                        k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                sum[0] = sum[0].add(held.getOrDefault(b.budgetKey(), BigDecimal.ZERO));
                sum[1] = sum[1].add(spent);
            }
        }
        Map<UsageRow, Spent> after = postgres ? moveAll(h, sums) : moveEach(h, sums);
        if (after.size() != sums.size()) {
            throw new IllegalStateException("a budget usage row of a reservation is missing");
        }
        // replay the settlements in order from the spend before them, to alert where one crossed
        Map<UsageRow, BigDecimal> running = new HashMap<>();
        after.forEach((row, spent) -> running.put(row, spent.total().subtract(sums.get(row)[1])));
        List<Runnable> alerts = new ArrayList<>();
        Set<UsageRow> newlyAlerted = new LinkedHashSet<>();
        for (Settlement s : settlements) {
            Reservation r = s.reservation();
            BigDecimal spent = money(r.charge(s.actualUsd()));
            for (Held b : r.held) {
                UsageRow row = new UsageRow(r.org.value(), b.budgetKey(), b.period());
                BigDecimal total = running.merge(row, spent, BigDecimal::add);
                if (!after.get(row).alerted() && !newlyAlerted.contains(row)
                        && total.compareTo(b.budget().limitUsd().multiply(b.budget().alertThreshold())) >= 0) {
                    newlyAlerted.add(row);
                    Crossed crossed = new Crossed(b, total);
                    alerts.add(() -> r.alert(List.of(crossed)));
                }
            }
        }
        for (UsageRow row : newlyAlerted) {
            h.createUpdate("UPDATE ai_budget_usage SET alerted = TRUE WHERE org_id = :org AND budget_key = :key "
                            + "AND period_key = :period")
                    .bind("org", row.org()).bind("key", row.budgetKey()).bind("period", row.period()).execute();
        }
        return () -> alerts.forEach(Runnable::run);
    }

    /** Rounded to the money columns' scale, as the database stores it. */
    private static BigDecimal money(BigDecimal amount) {
        return amount.setScale(MONEY_SCALE, RoundingMode.HALF_UP);
    }

    /** PostgreSQL: deletes the rows of the reservations {@code ids} in one statement, returning what each held. */
    private static Map<UUID, Map<String, BigDecimal>> takeReservations(Handle h, String[] ids) {
        Map<UUID, Map<String, BigDecimal>> out = new HashMap<>();
        h.createQuery("DELETE FROM ai_budget_reservations WHERE id = ANY(CAST(? AS uuid[])) "
                        + "RETURNING id, budget_key, amount")
                .bind(0, UsageRows.textArray(ids))
                .map((rs, ctx) -> out.computeIfAbsent(rs.getObject("id", UUID.class), k -> new HashMap<>())
                        .put(rs.getString("budget_key"), rs.getBigDecimal("amount")))
                .list();
        return out;
    }

    /** H2: locks the rows of the reservations {@code ids}, reads what each held and deletes them. */
    private static Map<UUID, Map<String, BigDecimal>> takeReservationsLocked(Handle h, String[] ids) {
        List<UUID> list = Arrays.stream(ids).map(UUID::fromString).toList();
        Map<UUID, Map<String, BigDecimal>> out = new HashMap<>();
        h.createQuery("SELECT id, budget_key, amount FROM ai_budget_reservations WHERE id IN (<ids>) FOR UPDATE")
                .bindList("ids", list)
                .map((rs, ctx) -> out.computeIfAbsent(rs.getObject("id", UUID.class), k -> new HashMap<>())
                        .put(rs.getString("budget_key"), rs.getBigDecimal("amount")))
                .list();
        if (!out.isEmpty()) {
            h.createUpdate("DELETE FROM ai_budget_reservations WHERE id IN (<ids>)").bindList("ids", list).execute();
        }
        return out;
    }

    /** H2: applies {@code sums} row by row in their order, reading each row after its update. */
    private static Map<UsageRow, Spent> moveEach(Handle h, Map<UsageRow, BigDecimal[]> sums) {
        Map<UsageRow, Spent> out = new HashMap<>();
        for (Map.Entry<UsageRow, BigDecimal[]> e : sums.entrySet()) {
            UsageRow row = e.getKey();
            int n = h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved - :amount, spent = spent + :spent "
                            + "WHERE org_id = :org AND budget_key = :key AND period_key = :period")
                    .bind("amount", e.getValue()[0]).bind("spent", e.getValue()[1]).bind("org", row.org())
                    .bind("key", row.budgetKey()).bind("period", row.period()).execute();
            if (n > 0) {
                out.put(row, h.createQuery("SELECT spent, alerted FROM ai_budget_usage WHERE org_id = :org "
                                + "AND budget_key = :key AND period_key = :period")
                        .bind("org", row.org()).bind("key", row.budgetKey()).bind("period", row.period())
                        .map((rs, ctx) -> new Spent(rs.getBigDecimal("spent"), rs.getBoolean("alerted")))
                        .one());
            }
        }
        return out;
    }

    /** PostgreSQL: applies {@code sums} (reserved released, spent added) with {@link #MOVE_ALL}. */
    private static Map<UsageRow, Spent> moveAll(Handle h, Map<UsageRow, BigDecimal[]> sums) {
        int n = sums.size();
        String[] orgs = new String[n];
        String[] keys = new String[n];
        String[] periods = new String[n];
        String[] amounts = new String[n];
        String[] spents = new String[n];
        int i = 0;
        for (Map.Entry<UsageRow, BigDecimal[]> e : sums.entrySet()) {
            orgs[i] = e.getKey().org();
            keys[i] = e.getKey().budgetKey();
            periods[i] = e.getKey().period();
            amounts[i] = e.getValue()[0].toPlainString();
            spents[i] = e.getValue()[1].toPlainString();
            i++;
        }
        Map<UsageRow, Spent> out = new HashMap<>();
        h.createQuery(MOVE_ALL)
                .bind(0, UsageRows.textArray(orgs)).bind(1, UsageRows.textArray(keys))
                .bind(2, UsageRows.textArray(periods)).bind(3, UsageRows.textArray(amounts))
                .bind(4, UsageRows.textArray(spents))
                .map((rs, ctx) -> out.put(new UsageRow(rs.getString("org_id"), rs.getString("budget_key"),
                        rs.getString("period_key")), new Spent(rs.getBigDecimal("spent"), rs.getBoolean("alerted"))))
                .list();
        return out;
    }

    private void alert(List<Crossed> crossed) {
        for (Crossed c : crossed) {
            listener.thresholdCrossed(c.held().budget(), c.held().period(), c.total().stripTrailingZeros());
        }
    }

    /**
     * Closes, inside the caller's transaction, every row of the reservation {@code id} that no call
     * will settle any more, without alerts: with {@code charge}, each budget is charged what it
     * reserved there (a call whose instance died: the worst case, its tokens unknown); without, the
     * hold is only released (its reservation committed while the call saw it fail, so the call was
     * refused and charges nothing).
     */
    static void closeIn(Handle h, UUID id, boolean charge) {
        record Row(String org, String key, String period, BigDecimal amount) {
        }
        List<Row> rows = h.createQuery("SELECT org_id, budget_key, period_key, amount FROM ai_budget_reservations "
                        + "WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> new Row(rs.getString("org_id"), rs.getString("budget_key"), rs.getString("period_key"),
                        rs.getBigDecimal("amount")))
                .list();
        for (Row r : rows) {
            h.createUpdate("UPDATE ai_budget_usage SET reserved = reserved - :amount, spent = spent + :spent "
                            + "WHERE org_id = :org AND budget_key = :key AND period_key = :period")
                    .bind("amount", r.amount()).bind("spent", charge ? r.amount() : BigDecimal.ZERO)
                    .bind("org", r.org()).bind("key", r.key()).bind("period", r.period())
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
    private static boolean release(Handle h, OrgId org, UUID id, Held b, BigDecimal spent) {
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

    /** Releases expired reservations (their instance died), once a minute per instance. */
    private void sweep(Instant now) {
        long minute = Math.floorDiv(now.toEpochMilli(), 60_000L);
        long last = sweptMinute.get();
        if (last == minute || !sweptMinute.compareAndSet(last, minute)) {
            return;
        }
        record Expired(UUID id, String org, String key, String period) {
        }
        // a call with a started usage record is settled from that record (as abandoned if its instance died)
        List<Expired> expired = jdbi.withHandle(h -> h.createQuery("SELECT id, org_id, budget_key, period_key "
                        + "FROM ai_budget_reservations r WHERE expires_at < :now AND NOT EXISTS (SELECT 1 FROM "
                        + "ai_generations g WHERE g.id = r.id AND g.status = 'started')")
                .bind("now", now)
                .map((rs, ctx) -> new Expired(rs.getObject("id", UUID.class), rs.getString("org_id"),
                        rs.getString("budget_key"), rs.getString("period_key")))
                .list());
        for (Expired e : expired) {
            Sql.retryingConflicts(() -> jdbi.inTransaction(h -> release(h, OrgId.of(e.org()), e.id(),
                    new Held(null, e.key(), e.period()), null)));
        }
    }
}
