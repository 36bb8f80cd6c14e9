package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.jdbc.internal.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease of one usage sink's instance in {@code ai_usage_instances}, and the settlement of the
 * started calls of instances whose lease ran out (they died): each becomes {@code abandoned},
 * billed and charged at the worst case it reserved.
 *
 * <p><b>Calls in flight.</b> The sweeps find an instance's started rows through the index on
 * {@code (instance_id, started_at)}, from the instant its lease row notes in
 * {@code in_flight_since}: no started row of the instance started before it (NULL: no bound). The
 * instance keeps the start of each of its calls from before its started row is written until its
 * outcome is committed ({@link #starting}, {@link #landed}). A renewal notes the earliest of them,
 * at most {@link #SLACK} before now, and publishes it; a call that starts earlier than the
 * published instant lowers the noted one before its row is written. A call adds itself before it
 * reads the published instant, and a renewal publishes before it reads the calls again, so either
 * the renewal counts the call or the call lowers the instant (under the renewal's lock).
 */
final class InstanceLease {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcUsageSink.class);
    private static final String ABANDONED_MESSAGE = "the instance that made this call stopped before it "
            + "finished; billed at the worst case the call reserved";

    private final Jdbi jdbi;
    private final Clock clock;
    private final Duration lease;
    private final UUID instanceId = UUID.randomUUID();
    private final AtomicLong abandoned = new AtomicLong();
    private volatile Instant leaseUntil = Instant.MIN;
    /** The start of each call of this instance whose started row may be in the database unfinished. */
    private final java.util.concurrent.ConcurrentHashMap<UUID, Instant> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    /** The instant a renewal last noted in {@code in_flight_since}, or lower; MIN before the first. */
    private volatile Instant published = Instant.MIN;
    // housekeeping state, used by the writer thread only
    private Instant nextTurn = Instant.MIN;
    private Instant connectedSince;

    InstanceLease(Jdbi jdbi, Clock clock, Duration lease) {
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the instance lease must be at least 1 second");
        }
        this.jdbi = jdbi;
        this.clock = clock;
        this.lease = lease;
    }

    UUID instanceId() {
        return instanceId;
    }

    /** How far before now a renewal notes the start of calls in flight when it knows none earlier. */
    static final Duration SLACK = Duration.ofMinutes(1);

    /** Notes {@code record}'s call as in flight; call before its started row is written. */
    void starting(UsageRecord record) {
        Instant t = record.startedAt();
        inFlight.put(record.id(), t);
        if (t.isBefore(published)) {
            lower(t);
        }
    }

    /** The calls {@code ids} are in flight no more: their outcome is committed (or they never started). */
    void landed(java.util.Collection<UUID> ids) {
        for (UUID id : ids) {
            inFlight.remove(id);
        }
    }

    private synchronized void lower(Instant t) {
        if (!t.isBefore(published)) {
            return; // lowered meanwhile
        }
        jdbi.useHandle(h -> h.createUpdate("UPDATE ai_usage_instances SET in_flight_since = :t WHERE id = :id "
                + "AND in_flight_since > :t").bind("t", t).bind("id", instanceId).execute());
        published = t;
    }

    private Instant earliestInFlight(Instant bound) {
        Instant min = bound;
        for (Instant t : inFlight.values()) {
            if (t.isBefore(min)) {
                min = t;
            }
        }
        return min;
    }

    long abandonedRecords() {
        return abandoned.get();
    }

    /** Renews the lease when less than half of it is left, so a started record is never written unleased. */
    void ensureAlive() {
        Instant now = clock.instant();
        if (leaseUntil.isBefore(now.plus(lease.dividedBy(2)))) {
            renew(now);
        }
    }

    /**
     * Every third of the lease: renews it and settles the calls of dead instances. Never throws; a
     * database that cannot be reached is tried at the next turn. An instance back from losing the
     * database waits one lease before settling others' calls, so they can renew first.
     */
    void housekeeping() {
        Instant now = clock.instant();
        if (now.isBefore(nextTurn)) {
            return;
        }
        nextTurn = now.plus(lease.dividedBy(3));
        try {
            renew(now);
            if (connectedSince == null) {
                connectedSince = now;
            }
            if (!now.isBefore(connectedSince.plus(lease))) {
                settleAbandoned();
            }
        } catch (RuntimeException e) {
            connectedSince = null;
            LOG.debug("usage housekeeping failed ({}); trying again in {}", Failures.describe(e), lease.dividedBy(3));
        }
    }

    private synchronized void renew(Instant now) {
        Instant until = now.plus(lease);
        Instant noted = earliestInFlight(now.minus(SLACK));
        Instant before = published;
        published = noted;
        Instant since = earliestInFlight(noted); // a call added before the instant was published counts here
        try {
            Sql.upsert(jdbi,
                    h -> h.createUpdate("UPDATE ai_usage_instances SET alive_until = :until, in_flight_since = :since "
                                    + "WHERE id = :id")
                            .bind("until", until).bind("since", since).bind("id", instanceId).execute(),
                    h -> h.createUpdate("INSERT INTO ai_usage_instances (id, alive_until, in_flight_since) "
                                    + "VALUES (:id, :until, :since)")
                            .bind("id", instanceId).bind("until", until).bind("since", since).execute());
        } catch (RuntimeException e) {
            published = before; // the database still notes what it noted
            throw e;
        }
        if (until.isAfter(leaseUntil)) {
            leaseUntil = until;
        }
    }

    /**
     * The join condition of an instance's row {@code i} to its started rows {@code g}: through the
     * index on {@code (instance_id, started_at)}, from the instant the instance noted.
     */
    static final String IN_FLIGHT = "g.instance_id = i.id AND g.started_at >= COALESCE(i.in_flight_since, "
            + "TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00') AND g.status = 'started'";

    /** A condition: the instance of the row {@code i} has started rows. */
    private static final String HAS_STARTED = "EXISTS (SELECT 1 FROM ai_generations g WHERE " + IN_FLIGHT + ")";

    /** Ends the lease at once, unless this instance still has started calls. Best effort. */
    void end() {
        try {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_usage_instances i WHERE id = :id AND NOT "
                            + HAS_STARTED)
                    .bind("id", instanceId).execute());
        } catch (RuntimeException e) {
            LOG.debug("could not end the lease of usage instance {} ({})", instanceId, Failures.describe(e));
        }
    }

    /** See {@link JdbcUsageSink#settleAbandoned()}. */
    int settleAbandoned() {
        Instant now = clock.instant();
        record Orphan(UUID id, String org, Instant startedAt, String leases) {
        }
        List<Orphan> orphans = jdbi.withHandle(h -> h.createQuery("SELECT g.id, g.org_id, g.started_at, g.budget_leases "
                        + "FROM ai_usage_instances i JOIN ai_generations g ON " + IN_FLIGHT
                        + " WHERE i.id <> :me AND i.alive_until < :now")
                .bind("me", instanceId).bind("now", now)
                .map((rs, ctx) -> new Orphan(rs.getObject("id", UUID.class), rs.getString("org_id"),
                        rs.getObject("started_at", OffsetDateTime.class).toInstant(), rs.getString("budget_leases")))
                .list());
        int settled = 0;
        for (Orphan o : orphans) {
            boolean mine = Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
                int n = h.createUpdate("UPDATE ai_generations SET status = 'abandoned', finished_at = :now, "
                                + "latency_ms = :latency, error_message = :message WHERE id = :id AND status = 'started'")
                        .bind("now", now).bind("latency", Math.max(0, Duration.between(o.startedAt(), now).toMillis()))
                        .bind("message", ABANDONED_MESSAGE).bind("id", o.id()).execute();
                if (n == 0) {
                    return false; // finished, or settled by another instance, meanwhile
                }
                BudgetSettlements.closeIn(h, o.id(), true);
                if (o.leases() != null) {
                    BudgetLoans.chargeAbandoned(h, o.leases());
                }
                return true;
            }));
            if (mine) {
                settled++;
                LOG.warn("settled call {} of org {} as abandoned: its instance stopped before finishing it", o.id(),
                        o.org());
            }
        }
        abandoned.addAndGet(settled);
        if (settled > 0) {
            // kept a day: an instance its peers took for dead may still write a started row before it renews
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_usage_instances i WHERE i.alive_until < :old AND NOT "
                            + HAS_STARTED)
                    .bind("old", now.minus(Duration.ofDays(1))).execute());
        }
        return settled;
    }
}
