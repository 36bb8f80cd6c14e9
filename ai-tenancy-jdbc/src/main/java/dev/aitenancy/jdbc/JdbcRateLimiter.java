package dev.aitenancy.jdbc;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.RateCounters.Key;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
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
 * ON CONFLICT DO NOTHING} of the rows this instance has not seen yet this minute, committed on its
 * own before the group's transaction (skipped in steady traffic), one {@code SELECT ... FOR
 * UPDATE} that locks and reads every row, the updates
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
 * commits. Every statement that takes counter rows — a group's insert of new rows, its lock of
 * every row, a lone call's upsert — takes them in the one order this class sorts keys in, and a
 * group's transaction only locks rows that exist (their insert committed before it), so no
 * transaction holds a new row while it waits for an older one and none wait for each other in a
 * circle, on one instance or across many. Should the database still report a serialization failure
 * or a deadlock, the group is tried again ({@link Sql#retryingConflicts}), as it is when another
 * session inserts one of its rows at the same moment or a row vanishes between the insert and the
 * lock. When the group's transaction fails, nothing of it counted: if the database could not be
 * reached, every call of the group gets the failure (it reaches the caller as {@code
 * AI_STORE_UNAVAILABLE}); otherwise each call is tried alone, so a call the database refuses never
 * fails the others.
 *
 * <h2>Slices</h2>
 * An instance does not go to the database for every call. When a call needs a row that has no
 * room left in this instance and that it counted calls on before in the same window, its group's
 * transaction counts the call and takes a <em>slice</em> of the row as well (a row's first call of
 * a window is counted alone, as without slices, so rows used once a minute cost nothing more;
 * unless this instance held a slice of the row in the minute before, a row in steady use, whose
 * first call of the minute takes one at once):
 * up to {@value RateSlices#SLICE_DIVISOR}th of the limit more (2%), and never more than a {@value RateSlices#ROOM_DIVISOR}th of what the row has left, so slices shrink as the
 * limit fills up. Calls whose every row has room in this instance's slices are then admitted in
 * memory, under one short lock, without a transaction: with a limit of 10,000 a minute a slice
 * covers 200 calls (fewer as the limit fills up). The database's count of a row is what the calls of
 * every instance used plus the unused room of every slice, so all instances together never admit
 * one call over a limit; a refusal means the database has no room left for the call.
 * <ul>
 * <li>A call that empties a slice of a row in steady use queues a refill: the committer thread
 *     takes a new slice of the row in the background (after about {@value #CORRECTION_DELAY_MILLIS}
 *     ms, with other refills and corrections in one transaction), so the row's next call finds
 *     room instead of waiting for a transaction of its own.</li>
 * <li>When a call uses a row in steady use in the last {@value RateSlices#NEXT_MINUTE_LEAD_MILLIS}
 *     ms of its minute, every row in steady use used in the last {@value RateSlices#IDLE_MILLIS} ms
 *     has a slice of its next minute's row taken the same way, in the background, so the first
 *     calls of the next minute are admitted in memory too. When no call came in those last
 *     seconds, the first call of the new minute whose row had a slice the minute before takes, in
 *     its own group's transaction, a slice of the new minute for every row that had one, so the
 *     other rows' first calls find room. An idle slice of a new minute, like any slice, keeps room
 *     for one call like its row's last.</li>
 * <li>Unused room goes back to the database (the row is lowered) when its slice has not been used
 *     for {@value RateSlices#IDLE_MILLIS} ms, but for room for one call like the last (so a row used
 *     every few seconds does not go to the database with each call), and all of it at once on
 *     {@link #close()}. Until then another instance may be refused while this one holds room: at
 *     most 2% of a limit per instance.</li>
 * <li>An instance that dies (killed, lost power) never gives its room back: the row keeps it
 *     counted until the window ends, so for at most a minute each of its slices (2% of a limit)
 *     is lost to the other instances (a slice of the next minute taken in its last seconds: for
 *     that minute). Daily limits and key checks are not sliced: every call
 *     counts in the database, and a dead instance holds nothing of them.</li>
 * <li>A slice is taken under the limit of the moment; when the policy changes, the unused room of
 *     a slice taken under the old limit goes back and the new limit is checked in the database.</li>
 * <li>Limits under {@value RateSlices#SLICE_DIVISOR} (a user's 30 requests a minute) have no
 *     slices: each call is decided in the database, as before.</li>
 * </ul>
 *
 * <h2>Token corrections</h2>
 * A permit's correction (actual tokens minus the estimate) of a row this instance holds a slice of
 * stays in the slice: fewer tokens leave room for the next calls (given back when idle), more are
 * counted as used and added to the row. Other corrections run no transaction on the thread that
 * settles them: they are queued, summed per counter row, and applied by the next group's transaction
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
    /** What a flush submits: no call, only the queued corrections. */
    private static final List<Charge> FLUSH = List.of();

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final RateLimitPolicy defaults;
    private final AtomicLong sweptMinute = new AtomicLong();
    private final dev.aitenancy.spi.TtlCache<OrgId, RateLimitPolicy> policies;
    private final ConcurrentHashMap<Key, Long> corrections = new ConcurrentHashMap<>();
    private final RateSlices slices = new RateSlices();
    /** When ({@link System#nanoTime()}) the slices were last looked at for idle room (by a group: groups never overlap). */
    private long idleScanned;
    private final GroupCommit<List<Charge>, Optional<Charge>> groups = new GroupCommit<>("ai-tenancy-rate-limits",
            MAX_GROUP, this::commit, () -> !corrections.isEmpty() || slices.holding() || slices.refillsPending(),
            Duration.ofMillis(CORRECTION_DELAY_MILLIS), LINGER);
    private final AtomicLong committedGroups = new AtomicLong();
    private final AtomicLong callsToDatabase = new AtomicLong();
    private final RateCounters counters;

    JdbcRateLimiter(Jdbi jdbi, Dialect dialect, Clock clock, RateLimitPolicy defaults, java.time.Duration policyTtl) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.policies = new dev.aitenancy.spi.TtlCache<>(policyTtl, clock, 10_000);
        this.counters = new RateCounters(jdbi, dialect, clock);
    }

    @Override
    public RateLimitPermit acquire(RateLimitRequest request) {
        long now = clock.millis();
        List<Charge> charges = Charge.of(request, policies.get(request.org(), this::policy), now);
        if (charges.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        sweep(Math.floorDiv(now, 60_000L));
        Optional<Charge> refused;
        if (slices.tryAdmit(charges)) {
            refused = Optional.empty();
            if (slices.refillsPending()) {
                groups.backgroundQueued();
            }
        } else {
            callsToDatabase.incrementAndGet();
            refused = groups.submit(charges);
        }
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
                    Key k = Key.of(c);
                    correct(k, slices.correct(k, actual - c.amount()));
                }
                groups.backgroundQueued();
            }
        };
    }

    /**
     * Gives back the unused room of every slice and applies every queued token correction now,
     * after the group in flight if there is one, and waits for it; no slice is refilled from then
     * on, and the limiter stays usable. Never throws: corrections that could not be applied are
     * logged at WARN (and stay queued when the transaction failed before its commit).
     */
    @Override
    public void close() {
        slices.stopRefills();
        try {
            groups.submit(FLUSH); // waits for a group in flight, which may still add a refill to a slice
        } catch (RuntimeException e) {
            LOG.debug("rate-limit token corrections not applied yet on close: {}", Failures.describe(e));
        }
        slices.giveBackIdle(clock.millis(), true, this::correct);
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

    /**
     * Calls so far whose slices lacked room, so that their admission waited for a database
     * transaction (their own, or a group's); the others were admitted in memory.
     */
    public long callsDecidedInDatabase() {
        return callsToDatabase.get();
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

    /**
     * Decides and counts one group of calls; see the class description: what the slices hold is
     * taken first, the database is asked for the rest and for new slices, and the outcome is
     * settled into the slices.
     */
    private List<Optional<Charge>> commit(List<List<Charge>> calls) {
        long nanos = System.nanoTime();
        if (calls.isEmpty() || nanos - idleScanned >= TimeUnit.MILLISECONDS.toNanos(CORRECTION_DELAY_MILLIS)) {
            idleScanned = nanos;
            slices.giveBackIdle(clock.millis(), false, this::correct);
        }
        List<RateSlices.Planned> planned = slices.plan(calls, this::correct);
        List<List<Charge>> shortfalls = new ArrayList<>(calls.size());
        Map<Key, RateCounters.Extra> extras = new HashMap<>();
        TreeSet<Key> needed = new TreeSet<>();
        for (RateSlices.Planned p : planned) {
            if (!p.shortfalls.isEmpty()) {
                shortfalls.add(p.shortfalls);
                for (int i = 0; i < p.shortfalls.size(); i++) {
                    Charge c = p.shortfalls.get(i);
                    Key k = Key.of(c);
                    needed.add(k);
                    long slice = p.seen[i] ? RateSlices.sliceOf(c) : 0;
                    if (slice > 0) {
                        extras.put(k, new RateCounters.Extra(slice, c.limit()));
                    }
                }
            }
        }
        Map<Key, RateCounters.Extra> refills = slices.takeRefills(clock.millis());
        refills.forEach((k, e) -> {
            if (extras.putIfAbsent(k, e) == null) {
                needed.add(k);
            }
        });
        try {
            return decide(calls, planned, shortfalls, extras, needed);
        } finally {
            slices.refilled(refills.keySet());
        }
    }

    /** {@link #commit}'s transaction, with the refills of slices in steady use among {@code extras}. */
    private List<Optional<Charge>> decide(List<List<Charge>> calls, List<RateSlices.Planned> planned,
            List<List<Charge>> shortfalls, Map<Key, RateCounters.Extra> extras, TreeSet<Key> needed) {
        Map<Key, Long> taken = takeCorrections();
        if (needed.isEmpty() && taken.isEmpty()) {
            return slices.settle(planned, List.of(), Map.of(), extras);
        }
        TreeSet<Key> touched = new TreeSet<>(needed);
        touched.addAll(taken.keySet());
        RateCounters.Group group = counters.group(shortfalls, taken, extras, List.copyOf(needed),
                List.copyOf(touched));
        try {
            List<Optional<Charge>> decided;
            try {
                decided = Sql.retryingConflicts(group::decide);
            } catch (RuntimeException | Error e) {
                slices.release(planned);
                throw e;
            }
            committedGroups.incrementAndGet();
            decided = slices.settle(planned, decided, group.granted(), extras);
            if (!group.unapplied().isEmpty()) {
                group.unapplied().forEach(this::correct);
            }
            if (!group.unapplied().isEmpty() || !group.granted().isEmpty()) {
                groups.backgroundQueued(); // to give back what stays unused
            }
            return decided;
        } catch (RuntimeException | Error e) {
            if (calls.isEmpty()) {
                LOG.debug("rate-limit token corrections not applied yet: {}", Failures.describe(e));
            }
            if (group.committing() && !taken.isEmpty()) {
                int inCommit = taken.size() - group.unapplied().size();
                if (inCommit > 0) {
                    LOG.warn("the commit of {} rate-limit token corrections failed; they are not applied again "
                            + "(never twice): {}", inCommit, Failures.describe(e));
                }
                group.unapplied().forEach(this::correct); // never part of the transaction
            } else {
                taken.forEach(this::correct); // the committer tries them again
            }
            throw e;
        }
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
