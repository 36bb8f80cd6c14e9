package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Failures;
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
        Sql.upsert(jdbi,
                h -> h.createUpdate("UPDATE ai_usage_instances SET alive_until = :until WHERE id = :id")
                        .bind("until", until).bind("id", instanceId).execute(),
                h -> h.createUpdate("INSERT INTO ai_usage_instances (id, alive_until) VALUES (:id, :until)")
                        .bind("id", instanceId).bind("until", until).execute());
        if (until.isAfter(leaseUntil)) {
            leaseUntil = until;
        }
    }

    /** Ends the lease at once, unless this instance still has started calls. Best effort. */
    void end() {
        try {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_usage_instances WHERE id = :id AND NOT EXISTS "
                            + "(SELECT 1 FROM ai_generations WHERE instance_id = :id AND status = 'started')")
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
                        + "FROM ai_generations g WHERE g.status = 'started' AND g.instance_id IS NOT NULL "
                        + "AND g.instance_id <> :me AND NOT EXISTS (SELECT 1 FROM ai_usage_instances i "
                        + "WHERE i.id = g.instance_id AND i.alive_until >= :now)")
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
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_usage_instances WHERE alive_until < :old")
                    .bind("old", now.minus(Duration.ofDays(1))).execute());
        }
        return settled;
    }
}
