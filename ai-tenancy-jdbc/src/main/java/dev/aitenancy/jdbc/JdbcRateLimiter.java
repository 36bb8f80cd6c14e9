package dev.aitenancy.jdbc;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.jdbc.internal.GroupCommit;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.spi.Charge;
import dev.aitenancy.tenant.OrgId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request, token and daily limits per user, IP and org (see {@link Charge}), exact across every
 * instance sharing the database: never one admission over a limit.
 *
 * <h2>Group admission</h2>
 * Calls that acquire at the same moment are decided together, in one transaction per group
 * ({@link GroupCommit}). A call that finds no group in flight and no call waiting is decided at
 * once on its own thread (one transaction, as before, with no hand-off); calls that arrive while a
 * group's transaction is in flight queue up and go together in the next group, run by the
 * limiter's committer thread ({@code ai-tenancy-rate-limits}, a daemon that stops after 10 s
 * without work), which goes straight on from group to group while calls keep coming. Both pure
 * forms were measured on the 2-core machine: with every group on the committer thread a lone call
 * paid two thread hand-offs, which cost more than the round trips saved once the cores were busy;
 * with every group on the first waiting caller's thread (leader/follower), the next group could
 * not start until a parked caller had been woken and scheduled, which slowed 64 concurrent callers.
 * In the transaction:
 * <ol>
 * <li>every counter row the group touches is locked and read, and a missing row of a call is
 *     inserted with a count of 0;</li>
 * <li>the calls are decided in their order of arrival against the locked counts, in memory: a call
 *     is admitted only when every one of its limits still has room for it, and then counts against
 *     all of them; a refused call counts nothing;</li>
 * <li>what the group counted is added to each row, and the transaction commits.</li>
 * </ol>
 * On PostgreSQL the round trips are the same whatever the group's size: an {@code INSERT ...
 * ON CONFLICT DO NOTHING} of the rows this instance has not seen yet this minute (skipped in
 * steady traffic), one {@code SELECT ... FOR UPDATE} that locks and reads every row, the updates
 * by key as one JDBC batch, and the commit. The keys travel as arrays ({@code unnest}), so each
 * statement has one text and is prepared once per connection, and every row is found through
 * the primary key. That is three round trips per group in steady traffic, where a call used to
 * pay one per limit plus a commit, and a second transaction for its token correction. On H2, in
 * the same process, a round trip costs nothing and a statement costs CPU, so the rows are locked
 * one by one by key and updated in one JDBC batch. A refusal names the limit and when it resets
 * exactly as before.
 *
 * <h2>Exactness across instances</h2>
 * The counts a group decides on are locked, so no other transaction changes them until it
 * commits. Every instance locks rows in one order (the order this class sorts keys in) and
 * inserts missing rows in one order (PostgreSQL's order of the primary key), and a transaction
 * locks only rows that existed, or that it inserted, when its insert step ended; so two groups
 * never wait for each other in a circle. Should the database still report a serialization failure
 * or a deadlock, the group is tried again ({@link Sql#retryingConflicts}), as it is when another
 * session inserts one of its rows at the same moment or a row vanishes between the insert and the
 * lock. When the group's transaction fails, nothing of it counted: if the database could not be
 * reached, every call of the group gets the failure (it reaches the caller as {@code
 * AI_STORE_UNAVAILABLE}); otherwise each call is tried alone, so a call the database refuses never
 * fails the others.
 *
 * <h2>Token corrections</h2>
 * A permit's correction (actual tokens minus the estimate) runs no transaction on the thread that
 * settles it: it is queued, summed per counter row, and applied by the next group's transaction
 * (before that group is decided, so a correction settled before a call acquires counts for that
 * call on this instance), or, when no call comes, by the committer thread about {@value
 * #CORRECTION_DELAY_MILLIS} ms after it was queued, and at once by {@link #close()}. The
 * consequence: until it is applied, other instances see the estimate, so the counts err on the
 * high side when a call used fewer tokens than estimated (another instance may refuse a call that
 * the correction would have let in) and on the low side by the excess when it used more, a little
 * longer than before. A correction whose transaction fails before its commit is queued again (and
 * tried again about a second later while the database stays away); one whose commit itself fails
 * is dropped, so it is applied at most once; corrections still queued when the process stops are
 * lost with it. A correction to a window already swept is dropped.
 */
public final class JdbcRateLimiter implements RateLimiter, RateLimitAdmin, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcRateLimiter.class);

    /** Most calls decided in one transaction. */
    static final int MAX_GROUP = 256;
    /** How long a correction waits for a group before it is applied on its own. */
    static final long CORRECTION_DELAY_MILLIS = 100;
    /** How long the committer thread stays without work before it stops (a new one starts with the next call). */
    private static final Duration LINGER = Duration.ofSeconds(10);
    /** Rows remembered as existing; past this the memory starts over. */
    private static final int MAX_KNOWN = 100_000;
    /** What a flush submits: no call, only the queued corrections. */
    private static final List<Charge> FLUSH = List.of();

    private static final String PG_INSERT = "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
            + "SELECT k.o, k.s, k.u, k.w, 0 FROM unnest(CAST(:orgs AS varchar[]), CAST(:scopes AS varchar[]), "
            + "CAST(:subjects AS varchar[]), CAST(:windows AS bigint[])) AS k(o, s, u, w) "
            + "ORDER BY k.o, k.s, k.u, k.w ON CONFLICT DO NOTHING";
    // Each key is looked up by the primary key in the array's order (a LATERAL subquery with FOR UPDATE
    // is not flattened into a join, so the planner cannot choose a hash join over a scan of the table).
    private static final String PG_LOCK = "SELECT k.o, k.s, k.u, k.w, c.hits FROM unnest(CAST(:orgs AS varchar[]), "
            + "CAST(:scopes AS varchar[]), CAST(:subjects AS varchar[]), CAST(:windows AS bigint[])) AS k(o, s, u, w) "
            + "CROSS JOIN LATERAL (SELECT hits FROM ai_rate_counters WHERE org_id = k.o AND scope = k.s "
            + "AND subject = k.u AND window_start = k.w FOR UPDATE) AS c";
    /** By key, one JDBC batch: one round trip, and each row found by the primary key. */
    private static final String ADD = "UPDATE ai_rate_counters SET hits = hits + :amount WHERE org_id = :org "
            + "AND scope = :scope AND subject = :subject AND window_start = :window";

    // H2: "window_start + 0" keeps H2 from planning a statement prepared against an empty table on the
    // window index, which makes every lookup scan the whole minute's rows; the key's other columns are
    // a prefix of the primary key, which finds the row.
    private static final String H2_LOCK = "SELECT hits FROM ai_rate_counters WHERE org_id = ? AND scope = ? "
            + "AND subject = ? AND window_start + 0 = ? FOR UPDATE";
    private static final String H2_INSERT = "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
            + "VALUES (?, ?, ?, ?, 0)";
    private static final String H2_ADD = "UPDATE ai_rate_counters SET hits = hits + ? WHERE org_id = ? AND scope = ? "
            + "AND subject = ? AND window_start + 0 = ?";

    /** One counter row. */
    private record Key(String org, String scope, String subject, long window) implements Comparable<Key> {

        static Key of(Charge c) {
            return new Key(c.org(), c.scope(), c.subject(), c.window());
        }

        @Override
        public int compareTo(Key o) {
            int c = org.compareTo(o.org);
            if (c == 0) {
                c = scope.compareTo(o.scope);
            }
            if (c == 0) {
                c = subject.compareTo(o.subject);
            }
            return c != 0 ? c : Long.compare(window, o.window);
        }
    }

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final RateLimitPolicy defaults;
    private final AtomicLong sweptMinute = new AtomicLong();
    private final dev.aitenancy.spi.TtlCache<OrgId, RateLimitPolicy> policies;
    private final ConcurrentHashMap<Key, Long> corrections = new ConcurrentHashMap<>();
    private final GroupCommit<List<Charge>, Optional<Charge>> groups = new GroupCommit<>("ai-tenancy-rate-limits",
            MAX_GROUP, this::commit, () -> !corrections.isEmpty(), Duration.ofMillis(CORRECTION_DELAY_MILLIS), LINGER);
    private final AtomicLong committedGroups = new AtomicLong();
    // used by the group being committed only (groups never run at the same time)
    private final Set<Key> known = new HashSet<>();
    private long knownMinute = Long.MIN_VALUE;

    JdbcRateLimiter(Jdbi jdbi, Dialect dialect, Clock clock, RateLimitPolicy defaults, java.time.Duration policyTtl) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.policies = new dev.aitenancy.spi.TtlCache<>(policyTtl, clock, 10_000);
    }

    @Override
    public RateLimitPermit acquire(RateLimitRequest request) {
        long now = clock.millis();
        List<Charge> charges = Charge.of(request, policies.get(request.org(), this::policy), now);
        if (charges.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        sweep(Math.floorDiv(now, 60_000L));
        Optional<Charge> refused = groups.submit(charges);
        if (refused.isPresent()) {
            Charge c = refused.get();
            throw new RateLimitedException(c.org(), c.describe(), c.resetsIn());
        }
        List<Charge> tokens = charges.stream().filter(Charge::isTokens).toList();
        if (tokens.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        AtomicBoolean settled = new AtomicBoolean();
        return actual -> {
            if (settled.compareAndSet(false, true)) {
                for (Charge c : tokens) {
                    correct(Key.of(c), actual - c.amount());
                }
                groups.backgroundQueued();
            }
        };
    }

    /**
     * Applies every queued token correction now, after the group in flight if there is one, and
     * waits for it; the limiter stays usable afterwards. Never throws: corrections that could not
     * be applied are logged at WARN (and stay queued when the transaction failed before its commit).
     */
    @Override
    public void close() {
        try {
            groups.submit(FLUSH);
        } catch (RuntimeException e) {
            LOG.warn("rate-limit token corrections could not be applied on close: {}", Failures.describe(e));
        }
    }

    /** Counter rows with a token correction queued and not yet applied (for tests). */
    int queuedCorrections() {
        return corrections.size();
    }

    /** Calls waiting for their group now (for tests). */
    int waitingCalls() {
        return groups.waiting();
    }

    /** Group transactions committed so far (for tests). */
    long committedGroups() {
        return committedGroups.get();
    }

    private void correct(Key key, long amount) {
        if (amount != 0) {
            corrections.merge(key, amount, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    /** Takes the queued corrections for one group. */
    private Map<Key, Long> takeCorrections() {
        if (corrections.isEmpty()) {
            return Map.of();
        }
        Map<Key, Long> taken = new HashMap<>();
        for (Key k : corrections.keySet()) {
            Long amount = corrections.remove(k);
            if (amount != null) {
                taken.put(k, amount);
            }
        }
        return taken;
    }

    /** Decides and counts one group of calls; see the class description. */
    private List<Optional<Charge>> commit(List<List<Charge>> calls) {
        Map<Key, Long> taken = takeCorrections();
        TreeSet<Key> needed = new TreeSet<>();
        for (List<Charge> call : calls) {
            for (Charge c : call) {
                needed.add(Key.of(c));
            }
        }
        if (needed.isEmpty() && taken.isEmpty()) {
            return admitAll(calls.size());
        }
        TreeSet<Key> touched = new TreeSet<>(needed);
        touched.addAll(taken.keySet());
        Group group = new Group(calls, taken, List.copyOf(needed), List.copyOf(touched));
        try {
            List<Optional<Charge>> decided = Sql.retryingConflicts(group::decide);
            committedGroups.incrementAndGet();
            return decided;
        } catch (RuntimeException | Error e) {
            if (calls.isEmpty()) {
                LOG.debug("rate-limit token corrections not applied yet: {}", Failures.describe(e));
            }
            if (group.committing && !taken.isEmpty()) {
                LOG.warn("the commit of {} rate-limit token corrections failed; they are not applied again "
                        + "(never twice): {}", taken.size(), Failures.describe(e));
            } else {
                taken.forEach(this::correct); // the committer tries them again
            }
            throw e;
        }
    }

    private static List<Optional<Charge>> admitAll(int calls) {
        List<Optional<Charge>> admitted = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            admitted.add(Optional.empty());
        }
        return admitted;
    }

    /** A row of the group that is not in the table; the attempt starts over. */
    private static final class Missing extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Missing() {
            super(null, null, false, false);
        }
    }

    /** One group's transaction, tried again as a whole on a conflict. */
    private final class Group {
        final List<List<Charge>> calls;
        final Map<Key, Long> corrections;
        final List<Key> needed;
        final List<Key> touched;
        /** Whether the last attempt failed in its commit (so it may have committed). */
        volatile boolean committing;

        Group(List<List<Charge>> calls, Map<Key, Long> corrections, List<Key> needed, List<Key> touched) {
            this.calls = calls;
            this.corrections = corrections;
            this.needed = needed;
            this.touched = touched;
        }

        List<Optional<Charge>> decide() {
            boolean pg = dialect == Dialect.POSTGRESQL;
            for (int attempt = 1; ; attempt++) {
                committing = false;
                List<Key> unknown = List.of();
                if (pg) {
                    rememberMinute();
                    unknown = needed.stream().filter(k -> !known.contains(k)).toList();
                }
                List<Key> insert = unknown;
                try {
                    List<Optional<Charge>> decided = jdbi.inTransaction(h -> decide(h, insert));
                    if (pg) {
                        if (known.size() + needed.size() > MAX_KNOWN) {
                            known.clear();
                        }
                        known.addAll(needed);
                    }
                    return decided;
                } catch (Missing m) {
                    needed.forEach(known::remove);
                    if (attempt >= 5) {
                        throw new IllegalStateException("rate-limit counter rows vanished " + attempt
                                + " times while a group was decided");
                    }
                } catch (RuntimeException e) {
                    if (attempt >= 5 || !Sql.isUniqueViolation(e)) {
                        throw e;
                    }
                    // H2: another session inserted the same row at the same moment; it exists now
                }
            }
        }

        private List<Optional<Charge>> decide(Handle h, List<Key> unknown) {
            Map<Key, long[]> hits = dialect == Dialect.POSTGRESQL ? lockPostgres(h, unknown) : lockH2(h);
            for (Key k : needed) {
                if (!hits.containsKey(k)) {
                    throw new Missing();
                }
            }
            TreeMap<Key, Long> added = new TreeMap<>();
            corrections.forEach((k, amount) -> {
                long[] count = hits.get(k);
                if (count != null) { // else its window was swept: nothing left to correct
                    count[0] += amount;
                    added.merge(k, amount, Long::sum);
                }
            });
            List<Optional<Charge>> decided = new ArrayList<>(calls.size());
            for (List<Charge> call : calls) {
                Charge refused = null;
                for (Charge c : call) {
                    if (hits.get(Key.of(c))[0] + c.amount() > c.limit()) {
                        refused = c;
                        break;
                    }
                }
                if (refused == null) {
                    for (Charge c : call) {
                        Key k = Key.of(c);
                        hits.get(k)[0] += c.amount();
                        added.merge(k, c.amount(), Long::sum);
                    }
                }
                decided.add(Optional.ofNullable(refused));
            }
            added.values().removeIf(amount -> amount == 0);
            if (!added.isEmpty()) {
                if (dialect == Dialect.POSTGRESQL) {
                    PreparedBatch batch = h.prepareBatch(ADD);
                    added.forEach((k, amount) -> batch.bind("amount", amount).bind("org", k.org())
                            .bind("scope", k.scope()).bind("subject", k.subject()).bind("window", k.window()).add());
                    batch.execute();
                } else {
                    addH2(h, added);
                }
            }
            committing = true; // Jdbi commits when this returns
            return decided;
        }

        /** PostgreSQL: inserts the unknown rows, then locks and reads every row, in two statements. */
        private Map<Key, long[]> lockPostgres(Handle h, List<Key> unknown) {
            if (!unknown.isEmpty()) {
                bindKeys(h.createUpdate(PG_INSERT), unknown).execute();
            }
            Map<Key, long[]> hits = new HashMap<>(touched.size() * 2);
            bindKeys(h.createQuery(PG_LOCK), touched)
                    .map((rs, ctx) -> new Row(new Key(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                            rs.getLong(5)))
                    .forEach(r -> hits.put(r.key(), new long[] {r.hits()}));
            return hits;
        }

        /**
         * H2 (in the same process: statements cost CPU, not round trips, and a lookup by key is the
         * cheapest): locks each row in this class's order, inserting a missing row of a call
         * where it is missing.
         */
        private Map<Key, long[]> lockH2(Handle h) {
            Map<Key, long[]> hits = new HashMap<>(touched.size() * 2);
            Set<Key> calls = new HashSet<>(needed);
            Connection c = h.getConnection();
            try (PreparedStatement lock = c.prepareStatement(H2_LOCK)) {
                PreparedStatement insert = null;
                try {
                    for (Key k : touched) {
                        long[] row = lockH2(lock, k);
                        if (row == null && calls.contains(k)) {
                            if (insert == null) {
                                insert = c.prepareStatement(H2_INSERT);
                            }
                            bind(insert, 1, k);
                            insert.executeUpdate();
                            row = lockH2(lock, k);
                        }
                        if (row != null) {
                            hits.put(k, row);
                        }
                    }
                } finally {
                    if (insert != null) {
                        insert.close();
                    }
                }
            } catch (SQLException e) {
                throw new UnableToExecuteStatementException(e, null);
            }
            return hits;
        }

        /** The row's count, or null when it does not exist. */
        private static long[] lockH2(PreparedStatement lock, Key k) throws SQLException {
            bind(lock, 1, k);
            try (ResultSet rs = lock.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1)} : null;
            }
        }

        private void addH2(Handle h, Map<Key, Long> added) {
            try (PreparedStatement add = h.getConnection().prepareStatement(H2_ADD)) {
                for (Map.Entry<Key, Long> e : added.entrySet()) {
                    add.setLong(1, e.getValue());
                    bind(add, 2, e.getKey());
                    add.addBatch();
                }
                add.executeBatch();
            } catch (SQLException e) {
                throw new UnableToExecuteStatementException(e, null);
            }
        }
    }

    private static void bind(PreparedStatement s, int from, Key k) throws SQLException {
        s.setString(from, k.org());
        s.setString(from + 1, k.scope());
        s.setString(from + 2, k.subject());
        s.setLong(from + 3, k.window());
    }

    private record Row(Key key, long hits) {
    }

    /** Forgets the rows known to exist when the minute changes (the sweep may delete past windows). */
    private void rememberMinute() {
        long minute = Math.floorDiv(clock.millis(), 60_000L);
        if (minute != knownMinute) {
            known.clear();
            knownMinute = minute;
        }
    }

    private static <S extends SqlStatement<S>> S bindKeys(S statement, List<Key> keys) {
        int n = keys.size();
        String[] orgs = new String[n];
        String[] scopes = new String[n];
        String[] subjects = new String[n];
        Long[] windows = new Long[n];
        for (int i = 0; i < n; i++) {
            Key k = keys.get(i);
            orgs[i] = k.org();
            scopes[i] = k.scope();
            subjects[i] = k.subject();
            windows[i] = k.window();
        }
        return statement.bindArray("orgs", String.class, (Object[]) orgs)
                .bindArray("scopes", String.class, (Object[]) scopes)
                .bindArray("subjects", String.class, (Object[]) subjects)
                .bindArray("windows", Long.class, (Object[]) windows);
    }

    /** Deletes past windows (minutes and days), once per minute per instance. */
    private void sweep(long minute) {
        long last = sweptMinute.get();
        if (last != minute && sweptMinute.compareAndSet(last, minute)) {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_rate_counters WHERE "
                            + "(scope LIKE '%-day' AND window_start < :day) OR (scope NOT LIKE '%-day' AND window_start < :minute)")
                    .bind("day", Math.floorDiv(minute, 1440L) - 1)
                    .bind("minute", minute - 1)
                    .execute());
        }
    }

    @Override
    public void setPolicy(OrgId org, RateLimitPolicy p) {
        Sql.upsert(jdbi,
                h -> bind(h.createUpdate("UPDATE ai_rate_policies SET user_per_minute = :u, ip_per_minute = :ip, "
                        + "org_per_minute = :o, user_tokens_per_minute = :ut, org_tokens_per_minute = :ot, "
                        + "user_per_day = :ud, org_per_day = :od, user_key_checks = :kc WHERE org_id = :org"), org, p).execute(),
                h -> bind(h.createUpdate("INSERT INTO ai_rate_policies (org_id, user_per_minute, ip_per_minute, "
                        + "org_per_minute, user_tokens_per_minute, org_tokens_per_minute, user_per_day, org_per_day, "
                        + "user_key_checks) VALUES (:org, :u, :ip, :o, :ut, :ot, :ud, :od, :kc)"), org, p).execute());
        policies.invalidateIf(org::equals);
    }

    private static org.jdbi.v3.core.statement.Update bind(org.jdbi.v3.core.statement.Update u, OrgId org,
            RateLimitPolicy p) {
        return u.bind("org", org.value()).bind("u", p.userRequestsPerMinute()).bind("ip", p.ipRequestsPerMinute())
                .bind("o", p.orgRequestsPerMinute()).bind("ut", p.userTokensPerMinute())
                .bind("ot", p.orgTokensPerMinute()).bind("ud", p.userRequestsPerDay()).bind("od", p.orgRequestsPerDay())
                .bind("kc", p.userKeyChecksPerMinute());
    }

    @Override
    public RateLimitPolicy policy(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_rate_policies WHERE org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> new RateLimitPolicy(rs.getInt("user_per_minute"), rs.getInt("ip_per_minute"),
                        rs.getInt("org_per_minute"), rs.getLong("user_tokens_per_minute"),
                        rs.getLong("org_tokens_per_minute"), rs.getInt("user_per_day"), rs.getInt("org_per_day"),
                        rs.getInt("user_key_checks")))
                .findOne()
                .orElse(defaults));
    }
}
