package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.spi.UsageExport;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-behind half of {@link JdbcUsageSink}: finished records wait in a bounded queue and one
 * thread writes them in batches, each with the settlement of its budget reservation in the same
 * transaction, retried while the database cannot be reached. A record the database refuses is set
 * aside in {@code ai_usage_rejected}; between batches the thread runs the instance lease's
 * housekeeping.
 */
final class UsageWriter {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcUsageSink.class);

    /** A finished record waiting to be written, with the reservation it settles (or null). */
    record Pending(UsageRecord record, JdbcBudgetLedger.Settleable reservation) {
    }

    /**
     * How long the writer waits, after a record arrives and fewer than a batch are queued, for more
     * to write in the same transaction: a transaction per record cost a sequential caller's
     * PostgreSQL about as much CPU again on the writer's thread as on its own.
     */
    static final long LINGER_MILLIS = 10;

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final InstanceLease lease;
    private final BlockingQueue<Pending> queue;
    private final int batchSize;
    private final Duration offerTimeout;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final Object progress = new Object();
    private volatile boolean closing;
    private long enqueued;

    UsageWriter(Jdbi jdbi, Dialect dialect, Clock clock, InstanceLease lease, int capacity, int batchSize,
            Duration offerTimeout) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.lease = lease;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.offerTimeout = offerTimeout;
        this.thread = new Thread(this::run, "ai-tenancy-usage-writer");
        thread.setDaemon(true);
        thread.start();
    }

    long dropped() {
        return dropped.get();
    }

    long written() {
        return written.get();
    }

    long rejected() {
        return rejected.get();
    }

    int queued() {
        return queue.size();
    }

    /**
     * Queues the record; when the queue stays full for {@code offerTimeout}, writes it on the
     * calling thread; only if that fails too is it dropped (counted and logged).
     */
    void enqueue(Pending pending) {
        if (closing) {
            throw new IllegalStateException("the usage sink is closed");
        }
        try {
            if (queue.offer(pending, offerTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                synchronized (progress) {
                    enqueued++;
                }
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        UsageRecord record = pending.record();
        try {
            write(new ArrayList<>(List.of(pending))); // the queue stayed full: write it here rather than lose it
        } catch (RuntimeException e) {
            long n = dropped.incrementAndGet();
            LOG.error("usage queue full and the database refused a direct write ({}): dropped the {} record {} of "
                    + "org {} ({} dropped so far)", Failures.describe(e), record.status().wireName(), record.id(),
                    record.orgId(), n);
        }
    }

    /** Waits (at most {@code timeout}) until everything queued before this call is written. */
    boolean flush(Duration timeout) {
        long target;
        synchronized (progress) {
            target = enqueued;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (written.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Stops taking records, writes what is queued (at most {@code timeout}) and stops the thread. */
    boolean close(Duration timeout) {
        closing = true;
        boolean drained = flush(timeout);
        thread.interrupt();
        try {
            thread.join(5_000); // no housekeeping turn after close (it could renew a lease being ended)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return drained;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(batchSize);
        long pauseMillis = 50;
        while (true) {
            try {
                if (!closing) {
                    lease.housekeeping();
                }
                if (batch.isEmpty()) {
                    Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (closing && queue.isEmpty()) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, batchSize - 1);
                    if (batch.size() < batchSize && !closing) {
                        Thread.sleep(LINGER_MILLIS); // let the records of calls ending now join this transaction
                        queue.drainTo(batch, batchSize - batch.size());
                    }
                }
                write(batch);
                batch.clear();
                pauseMillis = 50;
            } catch (InterruptedException e) {
                if (queue.isEmpty() && batch.isEmpty()) {
                    return;
                }
                // close() interrupts only after a flush; keep writing what is left
            } catch (RuntimeException e) {
                LOG.warn("could not write {} usage records ({}); trying again in {} ms", batch.size(),
                        Failures.describe(e), pauseMillis);
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException stop) {
                    if (!closing) {
                        return;
                    }
                }
                pauseMillis = Math.min(pauseMillis * 2, 5_000);
            }
        }
    }

    /**
     * Writes the batch in one transaction. When the database answers with an error, writes each
     * half alone, and so on down to single records, and sets aside the ones it still refuses: one
     * refused record among n costs about 2·log2(n) more transactions. Throws only when the database
     * cannot be reached: then what is left of the batch stays in it, to be tried again.
     */
    private void write(List<Pending> batch) {
        Deque<List<Pending>> parts = new ArrayDeque<>();
        parts.push(batch);
        int stored = 0; // the parts are written in the batch's order, so what is written is a prefix
        try {
            while (!parts.isEmpty()) {
                List<Pending> part = parts.pop();
                try {
                    writeTogether(part);
                } catch (RuntimeException refused) {
                    if (Failures.isUnreachable(refused)) {
                        throw refused;
                    }
                    if (part.size() > 1) {
                        int half = part.size() / 2;
                        parts.push(part.subList(half, part.size()));
                        parts.push(part.subList(0, half));
                        continue;
                    }
                    setAside(part.get(0), refused);
                }
                stored += part.size();
                List<UUID> ids = new ArrayList<>(part.size());
                part.forEach(p -> ids.add(p.record().id()));
                lease.landed(ids);
                done(part.size());
            }
        } finally {
            batch.subList(0, stored).clear();
        }
    }

    private void done(int n) {
        written.addAndGet(n);
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /**
     * Finished records and their settlements in one transaction, with a few statements whatever the
     * number of records ({@link UsageRows#moveStarted}, {@link BudgetSettlements#settleAllIn});
     * budget alerts fire after it commits.
     */
    private void writeTogether(List<Pending> batch) {
        Runnable afterCommit = Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
            List<Pending> written = finish(h, batch);
            List<BudgetSettlements.Settlement> settlements = new ArrayList<>();
            List<UUID> released = new ArrayList<>();
            for (Pending p : written) {
                if (p.reservation() != null) {
                    settlements.add(new BudgetSettlements.Settlement(p.reservation(), charged(p.record())));
                } else if ("AI_STORE_UNAVAILABLE".equals(p.record().errorCode())) {
                    // a store failed during admission: a reservation whose commit the call never heard
                    // of (the connection broke as it committed) may hold this record's id; the call was
                    // refused, so it is released
                    released.add(p.record().id());
                }
            }
            return BudgetSettlements.settleAllIn(h, dialect, settlements, released);
        }));
        afterCommit.run();
    }

    /**
     * Moves started rows to their outcome, and inserts the records of calls that were never
     * started; returns the records written, without those whose row was finished already (written
     * twice, also twice in one batch, or settled as abandoned meanwhile).
     */
    private List<Pending> finish(Handle h, List<Pending> batch) {
        Map<UUID, Pending> unique = new LinkedHashMap<>();
        for (Pending p : batch) {
            unique.putIfAbsent(p.record().id(), p);
        }
        List<UsageRecord> records = new ArrayList<>(unique.size());
        unique.values().forEach(p -> records.add(p.record()));
        Set<UUID> moved = UsageRows.moveStarted(h, dialect, records);
        if (moved.size() < records.size()) {
            List<UUID> rest = new ArrayList<>();
            records.forEach(r -> {
                if (!moved.contains(r.id())) {
                    rest.add(r.id());
                }
            });
            Map<UUID, String> existing = UsageRows.statuses(h, dialect, rest);
            List<UsageRecord> fresh = new ArrayList<>();
            for (UUID id : rest) {
                UsageRecord r = unique.get(id).record();
                String status = existing.get(id);
                if (status == null) {
                    fresh.add(r);
                } else if (UsageStatus.ABANDONED.wireName().equals(status)) {
                    LOG.warn("call {} of org {} finished ({}) after it was settled as abandoned; its record keeps "
                            + "the abandoned charge", r.id(), r.orgId(), r.status().wireName());
                }
            }
            if (!fresh.isEmpty()) {
                UsageRows.insert(h, dialect, fresh, null);
                fresh.forEach(r -> moved.add(r.id()));
            }
        }
        List<Pending> written = new ArrayList<>(moved.size());
        unique.values().forEach(p -> {
            if (moved.contains(p.record().id())) {
                written.add(p);
            }
        });
        return written;
    }

    /** What the record's budgets are charged: its billed amount, zero when unpriced. */
    static BigDecimal charged(UsageRecord r) {
        return r.billed().isPriced() ? r.billed().amount() : BigDecimal.ZERO;
    }

    /**
     * Keeps a record the database refuses where an operator can see and replay it, and settles its
     * reservation in the same transaction so the budgets are not held. Its started row goes: the
     * record lives in {@code ai_usage_rejected} now, and a started row left behind would later be
     * settled as abandoned and billed a second time.
     */
    private void setAside(Pending p, RuntimeException refused) {
        UsageRecord r = p.record();
        java.io.StringWriter json = new java.io.StringWriter();
        new UsageExport(json, ExportFormat.JSON_LINES).write(r);
        String reason = UsageRows.truncate(Failures.describe(refused), 2000);
        Runnable afterCommit = Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
            int exists = h.createQuery("SELECT COUNT(*) FROM ai_usage_rejected WHERE id = :id").bind("id", r.id())
                    .mapTo(Integer.class).one();
            if (exists == 0) {
                h.createUpdate("INSERT INTO ai_usage_rejected (id, org_id, status, record_json, reason, rejected_at) "
                                + "VALUES (:id, :org, :status, :json, :reason, :at)")
                        .bind("id", r.id()).bind("org", r.orgId()).bind("status", r.status().wireName())
                        .bind("json", UsageRows.clean(json.toString().strip(), 400_000)).bind("reason", reason)
                        .bind("at", clock.instant()).execute();
                h.createUpdate("DELETE FROM ai_generations WHERE id = :id AND status = 'started'")
                        .bind("id", r.id()).execute();
                if (p.reservation() != null) {
                    return p.reservation().settleIn(h, charged(r));
                }
            }
            return (Runnable) () -> { };
        }));
        afterCommit.run();
        long n = rejected.incrementAndGet();
        LOG.error("the database refused usage record {} of org {} ({}); set aside in ai_usage_rejected ({} so far)",
                r.id(), r.orgId(), reason, n);
    }
}
