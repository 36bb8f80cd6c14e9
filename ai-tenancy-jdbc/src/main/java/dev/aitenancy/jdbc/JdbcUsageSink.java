package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.PricingReport;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageSummaries;
import dev.aitenancy.usage.UsageTotals;
import java.io.Writer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage records in {@code ai_generations}: every call is accounted for, also across crashes,
 * database outages and records the database refuses.
 *
 * <ul>
 * <li>{@link #started} writes the record before the provider is called, tagged with this
 * instance, and throws when it cannot (the call is then refused, not made without a trace). Calls
 * that start at the same moment share one transaction (group commit).</li>
 * <li>Finished records are written in batches by one background thread from a bounded queue, so a
 * call never waits for the database after its provider answered. A finished record and the
 * settlement of its {@link JdbcBudgetLedger} reservation (same {@link Jdbi}) are written in one
 * transaction, retried with a growing pause (up to 5 s) while the database is unreachable: the
 * ledger always equals the sum of the records. A batch costs the same few statements whatever its
 * size: on PostgreSQL its rows are written with one statement over arrays of the records' columns,
 * and its settlements are summed per budget usage row and applied with one more; on H2 its rows
 * are one JDBC batch.</li>
 * <li>Fields longer than their column are cut and NUL characters removed before they are written.
 * A record the database still refuses is set aside in {@code ai_usage_rejected} (whole, as JSON,
 * with the reason; its reservation settled) where an operator can see and replay it, counted in
 * {@link #rejectedRecords()} and logged, while every other record keeps flowing.</li>
 * <li>Each sink renews a lease of its instance in {@code ai_usage_instances} every third of
 * {@code instanceLease} (default 30 s). A started record whose instance's lease ran out (the
 * instance died) is settled by a live instance as {@code abandoned}: billed, and charged to its
 * budgets, at the worst case the call reserved, since its tokens are unknown. So a crashed
 * instance's calls are settled within about 1⅓ leases after its last renewal (an instance back
 * from losing the database waits one lease before it settles anyone's calls, so the others can
 * renew first).</li>
 * </ul>
 *
 * <p>When the queue is full, a finished record waits up to {@code offerTimeout} for room, then is
 * written on the calling thread; only if that fails too is it dropped, counted in
 * {@link #droppedRecords()} and logged (its started row is then settled as abandoned once this
 * instance stops). {@link #close()} writes everything still queued.
 */
public final class JdbcUsageSink implements UsageLog, UsageSummaries, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcUsageSink.class);
    /** How long a call waits for its started record to be committed before it is refused. */
    private static final Duration START_WAIT = Duration.ofSeconds(30);

    private final Jdbi jdbi;
    private final InstanceLease lease;
    private final StartCommitter starts;
    private final UsageWriter writer;
    private final UsageReads reads;
    private volatile boolean closing;

    JdbcUsageSink(Jdbi jdbi, Dialect dialect, Clock clock, int capacity, int batchSize, Duration offerTimeout,
            Duration instanceLease, java.util.Map<UUID, String> leaseNotes) {
        this.jdbi = jdbi;
        this.lease = new InstanceLease(jdbi, clock, instanceLease);
        this.starts = new StartCommitter(jdbi, dialect, lease.instanceId(), START_WAIT, leaseNotes);
        this.writer = new UsageWriter(jdbi, dialect, clock, lease, capacity, batchSize, offerTimeout);
        this.reads = new UsageReads(jdbi, () -> flush(Duration.ofSeconds(5)));
    }

    /**
     * Writes the started record now, with this instance's id (renewing the instance's lease first
     * when less than half of it is left).
     *
     * @throws RuntimeException when the database refuses or cannot be reached; the call must not go on
     */
    @Override
    public void started(UsageRecord record) {
        if (closing) {
            throw new IllegalStateException("the usage sink is closed");
        }
        lease.ensureAlive();
        // in flight until its outcome is committed: also when this write fails, since its commit may
        // have happened unheard, and the call's refusal is then written over its row
        lease.starting(record);
        starts.write(record);
    }

    @Override
    public void finished(UsageRecord record) {
        writer.enqueue(new UsageWriter.Pending(record, null));
    }

    /**
     * Queues the record with its reservation when the reservation is of a {@link JdbcBudgetLedger}
     * on this sink's {@link Jdbi}: both are then written in one transaction. Otherwise settles the
     * reservation first, as {@link UsageSink#finished(UsageRecord, BudgetReservation)} does.
     */
    @Override
    public void finished(UsageRecord record, BudgetReservation reservation) {
        if (reservation instanceof JdbcBudgetLedger.Settleable r && r.sharesDatabase(jdbi) && r.claim()) {
            writer.enqueue(new UsageWriter.Pending(record, r));
        } else {
            UsageLog.super.finished(record, reservation);
        }
    }

    /** Records dropped because the queue stayed full and a direct write failed. */
    public long droppedRecords() {
        return writer.dropped();
    }

    /** Records written to the database so far (set-aside ones included). */
    public long writtenRecords() {
        return writer.written();
    }

    /** Records the database refused even after validation, set aside in {@code ai_usage_rejected}. */
    public long rejectedRecords() {
        return writer.rejected();
    }

    /** Started records of dead instances this sink settled as {@code abandoned}. */
    public long abandonedRecords() {
        return lease.abandonedRecords();
    }

    /** The id this instance tags its started records with. */
    public UUID instanceId() {
        return lease.instanceId();
    }

    /** Waits (at most {@code timeout}) until everything queued before this call is written. */
    public boolean flush(Duration timeout) {
        return writer.flush(timeout);
    }

    /**
     * Settles, now, every started call of an instance whose lease ran out: the record becomes
     * {@code abandoned}, billed at the worst case it reserved, and its reservation is charged at
     * that amount, in one transaction per call. Safe to run on several instances at once; the
     * writer thread runs it every third of the lease.
     *
     * @return how many calls this run settled
     */
    public int settleAbandoned() {
        return lease.settleAbandoned();
    }

    /** Reads see every record accepted before them: pending writes are flushed first (5 s at most). */
    @Override
    public Optional<UsageRecord> find(OrgId org, UUID id) {
        return reads.find(org, id);
    }

    @Override
    public UsagePage query(UsageQuery q) {
        return reads.query(q);
    }

    @Override
    public UsageTotals totals(UsageQuery q) {
        return reads.totals(q);
    }

    @Override
    public long export(UsageQuery q, ExportFormat format, Writer out) {
        return reads.export(q, format, out);
    }

    @Override
    public long purge(OrgId org, Instant before) {
        return reads.purge(org, before);
    }

    @Override
    public java.util.SortedSet<OrgId> orgsWithRecordsBefore(Instant before) {
        return reads.orgsWithRecordsBefore(before);
    }

    /**
     * The report from grouped queries (by tier, user, model and hour of day, in one transaction):
     * the rows read are groups, never the records themselves.
     */
    @Override
    public PricingReport pricingReport(OrgId org, Instant from, Instant to, ZoneId zone) {
        return reads.pricingReport(org, from, to, zone);
    }

    /**
     * Rebuilds one UTC day's summaries in one transaction that holds the day's run row locked:
     * running it again replaces the day, and instances running it at once take turns.
     */
    @Override
    public int summarize(LocalDate day) {
        return reads.summarize(day);
    }

    @Override
    public List<DailySummary> daily(OrgId org, LocalDate from, LocalDate to) {
        return reads.daily(org, from, to);
    }

    @Override
    public List<DailySummary> daily(LocalDate day) {
        return reads.daily(day);
    }

    /**
     * Stops accepting records and writes everything queued (waiting at most 30 s). When all was
     * written this instance's lease is ended at once; otherwise it runs out, and what was not
     * written is settled as abandoned by another instance.
     */
    @Override
    public void close() {
        closing = true;
        starts.close();
        if (!writer.close(Duration.ofSeconds(30))) {
            LOG.error("usage sink closed with {} records not written", writer.queued());
            return;
        }
        lease.end();
    }
}
