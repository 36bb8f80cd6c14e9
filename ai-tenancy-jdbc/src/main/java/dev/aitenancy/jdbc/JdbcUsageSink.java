package dev.aitenancy.jdbc;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.usage.PricingReport;
import dev.aitenancy.usage.internal.PricingTally;
import java.time.ZoneId;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageSummaries;
import dev.aitenancy.usage.UsageTotals;
import dev.aitenancy.usage.internal.UsageCursor;
import dev.aitenancy.usage.internal.UsageExport;
import java.io.Writer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.time.Clock;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.limits.BudgetReservation;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage records in {@code ai_generations}: every call is accounted for, also across crashes,
 * database outages and records the database refuses.
 *
 * <ul>
 * <li>{@link #started} writes the record before the provider is called, tagged with this
 * instance, and throws when it cannot (the call is then refused, not made without a trace).</li>
 * <li>Finished records are written in batches by one background thread from a bounded queue, so a
 * call never waits for the database after its provider answered. A finished record and the
 * settlement of its {@link JdbcBudgetLedger} reservation (same {@link Jdbi}) are written in one
 * transaction, retried with a growing pause (up to 5 s) while the database is unreachable: the
 * ledger always equals the sum of the records.</li>
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
public final class JdbcUsageSink implements UsageSink, UsageSummaries, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcUsageSink.class);
    private static final String ABANDONED_MESSAGE = "the instance that made this call stopped before it "
            + "finished; billed at the worst case the call reserved";

    /** A finished record waiting to be written, with the reservation it settles (or null). */
    private record Pending(UsageRecord record, JdbcBudgetLedger.Reservation reservation) {
    }

    private final Jdbi jdbi;
    private final Clock clock;
    private final BlockingQueue<Pending> queue;
    private final int batchSize;
    private final Duration offerTimeout;
    private final Duration lease;
    private final UUID instanceId = UUID.randomUUID();
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final Object progress = new Object();
    private volatile boolean closing;
    private volatile Dialect dialect;
    private volatile Instant leaseUntil = Instant.MIN;
    private long enqueued;
    private Instant nextHousekeeping = Instant.MIN;
    private Instant connectedSince;

    JdbcUsageSink(Jdbi jdbi, Clock clock, int capacity, int batchSize, Duration offerTimeout, Duration instanceLease) {
        if (instanceLease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the instance lease must be at least 1 second");
        }
        this.jdbi = jdbi;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.offerTimeout = offerTimeout;
        this.lease = instanceLease;
        this.writer = new Thread(this::run, "ai-tenancy-usage-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Writes the started record now, with this instance's id, renewing the instance's lease in the
     * same transaction when it is less than half left.
     *
     * @throws RuntimeException when the database refuses or cannot be reached; the call must not go on
     */
    @Override
    public void started(UsageRecord record) {
        if (closing) {
            throw new IllegalStateException("the usage sink is closed");
        }
        Instant now = clock.instant();
        if (leaseUntil.isBefore(now.plus(lease.dividedBy(2)))) {
            renewLease(now);
        }
        jdbi.useHandle(h -> insert(h, record, instanceId));
    }

    @Override
    public void finished(UsageRecord record) {
        enqueue(new Pending(record, null));
    }

    /**
     * Queues the record with its reservation when the reservation is of a {@link JdbcBudgetLedger}
     * on this sink's {@link Jdbi}: both are then written in one transaction. Otherwise settles the
     * reservation first, as {@link UsageSink#finished(UsageRecord, BudgetReservation)} does.
     */
    @Override
    public void finished(UsageRecord record, BudgetReservation reservation) {
        if (reservation instanceof JdbcBudgetLedger.Reservation r && r.sharesDatabase(jdbi) && r.claim()) {
            enqueue(new Pending(record, r));
        } else {
            UsageSink.super.finished(record, reservation);
        }
    }

    private void enqueue(Pending pending) {
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
            write(List.of(pending)); // the queue stayed full: write it here rather than lose it
            return;
        } catch (RuntimeException e) {
            long n = dropped.incrementAndGet();
            LOG.error("usage queue full and the database refused a direct write ({}): dropped the {} record {} of "
                    + "org {} ({} dropped so far)", Failures.describe(e), record.status().wireName(), record.id(),
                    record.orgId(), n);
        }
    }

    /** Records dropped because the queue stayed full and a direct write failed. */
    public long droppedRecords() {
        return dropped.get();
    }

    /** Records written to the database so far (set-aside ones included). */
    public long writtenRecords() {
        return written.get();
    }

    /** Records the database refused even after validation, set aside in {@code ai_usage_rejected}. */
    public long rejectedRecords() {
        return rejected.get();
    }

    /** Started records of dead instances this sink settled as {@code abandoned}. */
    public long abandonedRecords() {
        return abandoned.get();
    }

    /** The id this instance tags its started records with. */
    public UUID instanceId() {
        return instanceId;
    }

    /** Waits (at most {@code timeout}) until everything queued before this call is written. */
    public boolean flush(Duration timeout) {
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

    /** Reads see every record accepted before them: pending writes are flushed first (5 s at most). */
    @Override
    public java.util.Optional<UsageRecord> find(OrgId org, java.util.UUID id) {
        flush(Duration.ofSeconds(5));
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_generations WHERE org_id = :org AND id = :id")
                .bind("org", org.value()).bind("id", id)
                .map((rs, ctx) -> row(rs))
                .findOne());
    }

    @Override
    public UsagePage query(UsageQuery q) {
        flush(Duration.ofSeconds(5));
        Where where = where(q);
        if (q.cursor() != null) {
            UsageCursor c = UsageCursor.decode(q.cursor());
            where.add("(started_at < :cursorAt OR (started_at = :cursorAt AND id < :cursorId))");
            where.params.put("cursorAt", c.startedAt());
            where.params.put("cursorId", c.id());
        }
        List<UsageRecord> rows = jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_generations WHERE " + where.sql()
                        + " ORDER BY started_at DESC, id DESC")
                .bindMap(where.params)
                .setMaxRows(q.pageSize() + 1)
                .map((rs, ctx) -> row(rs))
                .list());
        boolean more = rows.size() > q.pageSize();
        List<UsageRecord> page = more ? rows.subList(0, q.pageSize()) : rows;
        return new UsagePage(page, more ? UsageCursor.of(page.get(page.size() - 1)).encode() : null);
    }

    @Override
    public UsageTotals totals(UsageQuery q) {
        flush(Duration.ofSeconds(5));
        Where where = where(q);
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) AS requests, "
                        + "COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens, "
                        + "AVG(CAST(latency_ms AS DOUBLE PRECISION)) AS avg_latency, COALESCE(SUM(cost_usd), 0) AS cost, "
                        + "SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced "
                        + "FROM ai_generations WHERE " + where.sql())
                .bindMap(where.params)
                .map((rs, ctx) -> new UsageTotals(rs.getLong("requests"), rs.getLong("input_tokens"),
                        rs.getLong("output_tokens"), (Double) rs.getObject("avg_latency", Double.class),
                        rs.getBigDecimal("cost").stripTrailingZeros(), rs.getLong("unpriced")))
                .one());
    }

    @Override
    public long export(UsageQuery q, ExportFormat format, Writer out) {
        flush(Duration.ofSeconds(5));
        Where where = where(q);
        UsageExport export = new UsageExport(out, format);
        jdbi.useTransaction(h -> {
            try (var rows = h.createQuery("SELECT * FROM ai_generations WHERE " + where.sql()
                            + " ORDER BY started_at DESC, id DESC")
                    .bindMap(where.params)
                    .setFetchSize(500)
                    .map((rs, ctx) -> row(rs))
                    .stream()) {
                rows.forEach(export::write);
            }
        });
        return export.written();
    }

    @Override
    public long purge(OrgId org, Instant before) {
        flush(Duration.ofSeconds(5));
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM ai_generations WHERE org_id = :org AND started_at < :before")
                .bind("org", org.value())
                .bind("before", before)
                .execute());
    }

    /**
     * The report from five grouped queries (by tier, user, model and hour of day, in one
     * transaction): the rows read are groups, never the records themselves.
     */
    @Override
    public PricingReport pricingReport(OrgId org, Instant from, Instant to, ZoneId zone) {
        PricingTally.check(org, from, to, zone);
        flush(Duration.ofSeconds(5));
        PricingTally tally = new PricingTally(org, from, to, zone);
        String sums = "COUNT(*) AS requests, SUM(cost_usd) AS cost, SUM(billed_usd) AS billed, "
                + "SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced, "
                + "SUM(CASE WHEN billed_usd IS NULL THEN 1 ELSE 0 END) AS unbilled";
        String where = " FROM ai_generations WHERE org_id = :org AND started_at >= :from AND started_at < :to "
                + "AND status <> 'started'";
        jdbi.useTransaction(h -> {
            h.createQuery("SELECT tier AS k, " + sums + where + " GROUP BY tier").bind("org", org.value())
                    .bind("from", from).bind("to", to)
                    .map((rs, ctx) -> line(rs, tally::tier)).list();
            h.createQuery("SELECT user_id AS k, " + sums + where + " GROUP BY user_id").bind("org", org.value())
                    .bind("from", from).bind("to", to)
                    .map((rs, ctx) -> line(rs, tally::user)).list();
            h.createQuery("SELECT provider, model, " + sums + where + " GROUP BY provider, model")
                    .bind("org", org.value()).bind("from", from).bind("to", to)
                    .map((rs, ctx) -> {
                        tally.model(PricingTally.modelKey(rs.getString("provider"), rs.getString("model")),
                                rs.getLong("requests"), rs.getBigDecimal("cost"), rs.getBigDecimal("billed"),
                                rs.getLong("unpriced"), rs.getLong("unbilled"));
                        return 0;
                    }).list();
            String hour = hourOfDay(dialect(h), zone);
            h.createQuery("SELECT hour_of_day, COUNT(*) AS requests FROM (SELECT " + hour + " AS hour_of_day" + where
                            + ") hours GROUP BY hour_of_day")
                    .bind("org", org.value()).bind("from", from).bind("to", to).bind("zone", zoneName(zone))
                    .map((rs, ctx) -> {
                        tally.hour(rs.getInt("hour_of_day"), rs.getLong("requests"));
                        return 0;
                    }).list();
        });
        return tally.report();
    }

    private Dialect dialect(Handle h) {
        Dialect d = dialect;
        if (d == null) {
            try {
                d = Dialect.of(h.getConnection().getMetaData().getDatabaseProductName());
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the database product name", e);
            }
            dialect = d;
        }
        return d;
    }

    /** Adds one grouped row to a line of the tally. */
    private interface LineSink {
        void add(String key, long requests, BigDecimal cost, BigDecimal billed, long unpriced, long unbilled);
    }

    private static int line(ResultSet rs, LineSink sink) throws SQLException {
        sink.add(rs.getString("k"), rs.getLong("requests"), rs.getBigDecimal("cost"), rs.getBigDecimal("billed"),
                rs.getLong("unpriced"), rs.getLong("unbilled"));
        return 0;
    }

    /**
     * The hour of day of {@code started_at} in the zone bound as {@code :zone}. A fixed offset is
     * an interval for PostgreSQL, whose text offsets follow POSIX (east is negative).
     */
    private static String hourOfDay(Dialect dialect, ZoneId zone) {
        boolean fixed = zone.normalized() instanceof ZoneOffset;
        String at = dialect == Dialect.POSTGRESQL && fixed ? "CAST(:zone AS INTERVAL)" : ":zone";
        return "EXTRACT(HOUR FROM (started_at AT TIME ZONE " + at + "))";
    }

    private static String zoneName(ZoneId zone) {
        ZoneId z = zone.normalized();
        if (z instanceof ZoneOffset offset) {
            return offset.getTotalSeconds() == 0 ? "+00:00" : offset.getId();
        }
        return z.getId();
    }

    /**
     * Rebuilds one UTC day's summaries in one transaction that holds the day's run row locked:
     * running it again replaces the day, and instances running it at once take turns.
     */
    @Override
    public int summarize(LocalDate day) {
        flush(Duration.ofSeconds(5));
        Sql.seed(jdbi, "INSERT INTO ai_usage_daily_runs (usage_day) VALUES (:day)", "day", day);
        return Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
            h.createQuery("SELECT usage_day FROM ai_usage_daily_runs WHERE usage_day = :day FOR UPDATE").bind("day", day)
                    .mapTo(LocalDate.class).one();
            h.createUpdate("DELETE FROM ai_usage_daily WHERE usage_day = :day").bind("day", day).execute();
            return h.createUpdate("INSERT INTO ai_usage_daily (org_id, usage_day, provider, model, user_id, requests, errors, "
                            + "input_tokens, output_tokens, cost_usd, billed_usd) "
                            + "SELECT org_id, :day, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(user_id, ''), "
                            + "COUNT(*), SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), "
                            + "COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), "
                            + "COALESCE(SUM(cost_usd), 0), COALESCE(SUM(billed_usd), 0) "
                            + "FROM ai_generations WHERE status <> 'started' AND started_at >= :start AND started_at < :end "
                            + "GROUP BY org_id, COALESCE(provider, ''), COALESCE(model, ''), COALESCE(user_id, '')")
                    .bind("day", day)
                    .bind("start", day.atStartOfDay(ZoneOffset.UTC).toInstant())
                    .bind("end", day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant())
                    .execute();
        }));
    }

    @Override
    public List<DailySummary> daily(OrgId org, LocalDate from, LocalDate to) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_usage_daily WHERE org_id = :org AND usage_day >= :from "
                        + "AND usage_day <= :to ORDER BY usage_day, provider, model, user_id")
                .bind("org", org.value()).bind("from", from).bind("to", to)
                .map((rs, ctx) -> new DailySummary(org, rs.getObject("usage_day", LocalDate.class), rs.getString("provider"),
                        rs.getString("model"), rs.getString("user_id"), rs.getLong("requests"), rs.getLong("errors"),
                        rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                        rs.getBigDecimal("cost_usd").stripTrailingZeros(),
                        rs.getBigDecimal("billed_usd").stripTrailingZeros()))
                .list());
    }

    /** The WHERE clause of a query's filters, with named parameters. */
    private static final class Where {
        final List<String> conditions = new ArrayList<>();
        final Map<String, Object> params = new HashMap<>();

        void add(String condition) {
            conditions.add(condition);
        }

        void add(String column, String param, Object value) {
            if (value != null) {
                conditions.add(column + " = :" + param);
                params.put(param, value);
            }
        }

        String sql() {
            return String.join(" AND ", conditions);
        }
    }

    private static Where where(UsageQuery q) {
        Where w = new Where();
        w.add("org_id", "org", q.org().value());
        w.add("provider", "provider", q.provider());
        w.add("model", "model", q.model());
        w.add("feature", "feature", q.feature());
        w.add("status", "status", q.status() == null ? null : q.status().wireName());
        w.add("user_id", "userId", q.userId());
        w.add("correlation_id", "correlationId", q.correlationId());
        if (q.group() != null) {
            w.add("(',' || group_id || ',') LIKE :group ESCAPE '!'");
            w.params.put("group", "%," + likeEscaped(q.group()) + ",%");
        }
        if (q.from() != null) {
            w.add("started_at >= :from");
            w.params.put("from", q.from());
        }
        if (q.to() != null) {
            w.add("started_at < :to");
            w.params.put("to", q.to());
        }
        if (q.text() != null) {
            // '!' escapes LIKE wildcards (a backslash would confuse Jdbi's statement parser)
            w.add("(LOWER(input_text) LIKE :text ESCAPE '!' OR LOWER(output_text) LIKE :text ESCAPE '!' "
                    + "OR LOWER(error_message) LIKE :text ESCAPE '!')");
            w.params.put("text", "%" + likeEscaped(q.text().toLowerCase(Locale.ROOT)) + "%");
        }
        return w;
    }

    private static String likeEscaped(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    /**
     * Stops accepting records and writes everything queued (waiting at most 30 s). When all was
     * written this instance's lease is ended at once; otherwise it runs out, and what was not
     * written is settled as abandoned by another instance.
     */
    @Override
    public void close() {
        closing = true;
        boolean drained = flush(Duration.ofSeconds(30));
        writer.interrupt();
        try {
            writer.join(5_000); // no housekeeping turn after close (it could renew the lease ended below)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!drained) {
            LOG.error("usage sink closed with {} records not written", queue.size());
            return;
        }
        try {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_usage_instances WHERE id = :id AND NOT EXISTS "
                            + "(SELECT 1 FROM ai_generations WHERE instance_id = :id AND status = 'started')")
                    .bind("id", instanceId).execute());
        } catch (RuntimeException e) {
            LOG.debug("could not end the lease of usage instance {} ({})", instanceId, Failures.describe(e));
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(batchSize);
        long pauseMillis = 50;
        while (true) {
            try {
                if (!closing) {
                    housekeeping();
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
     * record alone and sets aside the ones it still refuses. Throws only when the database cannot
     * be reached: then nothing of the batch was lost and all of it is tried again.
     */
    private void write(List<Pending> batch) {
        try {
            writeTogether(batch);
            done(batch.size());
            return;
        } catch (RuntimeException e) {
            if (Failures.isUnreachable(e)) {
                throw e;
            }
        }
        List<Pending> left = new ArrayList<>(batch);
        try {
            for (java.util.Iterator<Pending> it = left.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                try {
                    writeTogether(List.of(p));
                } catch (RuntimeException refused) {
                    if (Failures.isUnreachable(refused)) {
                        throw refused;
                    }
                    setAside(p, refused);
                }
                it.remove();
                done(1);
            }
        } finally {
            if (!left.isEmpty()) {
                batch.retainAll(left);
            }
        }
    }

    private void done(int n) {
        written.addAndGet(n);
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** Finished records and their settlements in one transaction; budget alerts fire after it commits. */
    private void writeTogether(List<Pending> batch) {
        List<Runnable> afterCommit = new ArrayList<>();
        Sql.retryingConflicts(() -> {
            afterCommit.clear();
            jdbi.useTransaction(h -> {
                for (Pending p : batch) {
                    if (finish(h, p.record()) && p.reservation() != null) {
                        var crossed = p.reservation().settleIn(h, charged(p.record()));
                        afterCommit.add(() -> p.reservation().alert(crossed));
                    }
                }
            });
            return null;
        });
        afterCommit.forEach(Runnable::run);
    }

    /**
     * Moves a started row to its outcome, or inserts the record of a call that was never started;
     * false when the row was finished already (written twice, or settled as abandoned meanwhile).
     */
    private static boolean finish(Handle h, UsageRecord r) {
        if (update(h, r) > 0) {
            return true;
        }
        var existing = h.createQuery("SELECT status FROM ai_generations WHERE id = :id").bind("id", r.id())
                .mapTo(String.class).findOne();
        if (existing.isEmpty()) {
            insert(h, r, null);
            return true;
        }
        if (UsageStatus.ABANDONED.wireName().equals(existing.get())) {
            LOG.warn("call {} of org {} finished ({}) after it was settled as abandoned; its record keeps the "
                    + "abandoned charge", r.id(), r.orgId(), r.status().wireName());
        }
        return false;
    }

    private static java.math.BigDecimal charged(UsageRecord r) {
        return r.billed().isPriced() ? r.billed().amount() : java.math.BigDecimal.ZERO;
    }

    /**
     * Keeps a record the database refuses where an operator can see and replay it, and settles its
     * reservation in the same transaction so the budgets are not held.
     */
    private void setAside(Pending p, RuntimeException refused) {
        UsageRecord r = p.record();
        java.io.StringWriter json = new java.io.StringWriter();
        new UsageExport(json, ExportFormat.JSON_LINES).write(r);
        String reason = truncate(Failures.describe(refused), 2000);
        Sql.retryingConflicts(() -> {
            jdbi.useTransaction(h -> {
                int exists = h.createQuery("SELECT COUNT(*) FROM ai_usage_rejected WHERE id = :id").bind("id", r.id())
                        .mapTo(Integer.class).one();
                if (exists == 0) {
                    h.createUpdate("INSERT INTO ai_usage_rejected (id, org_id, status, record_json, reason, rejected_at) "
                                    + "VALUES (:id, :org, :status, :json, :reason, :at)")
                            .bind("id", r.id()).bind("org", r.orgId()).bind("status", r.status().wireName())
                            .bind("json", clean(json.toString().strip(), 400_000)).bind("reason", reason)
                            .bind("at", clock.instant()).execute();
                    // the record lives here now: its started row would otherwise stay 'started', then be
                    // settled as abandoned and billed a second time
                    h.createUpdate("DELETE FROM ai_generations WHERE id = :id AND status = 'started'")
                            .bind("id", r.id()).execute();
                    if (p.reservation() != null) {
                        p.reservation().settleIn(h, charged(r));
                    }
                }
            });
            return null;
        });
        long n = rejected.incrementAndGet();
        LOG.error("the database refused usage record {} of org {} ({}); set aside in ai_usage_rejected ({} so far)",
                r.id(), r.orgId(), reason, n);
    }

    /**
     * Every third of the lease: renews this instance's lease and settles the started calls of
     * instances whose lease ran out. Never throws; a database that cannot be reached is tried at
     * the next turn.
     */
    private void housekeeping() {
        Instant now = clock.instant();
        if (now.isBefore(nextHousekeeping)) {
            return;
        }
        nextHousekeeping = now.plus(lease.dividedBy(3));
        try {
            renewLease(now);
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

    private synchronized void renewLease(Instant now) {
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

    /**
     * Settles, now, every started call of an instance whose lease ran out: the record becomes
     * {@code abandoned}, billed at the worst case it reserved, and its reservation is charged at
     * that amount, in one transaction per call. Safe to run on several instances at once.
     *
     * @return how many calls this run settled
     */
    public int settleAbandoned() {
        Instant now = clock.instant();
        record Orphan(UUID id, String org, Instant startedAt) {
        }
        List<Orphan> orphans = jdbi.withHandle(h -> h.createQuery("SELECT g.id, g.org_id, g.started_at FROM ai_generations g "
                        + "WHERE g.status = 'started' AND g.instance_id IS NOT NULL AND g.instance_id <> :me "
                        + "AND NOT EXISTS (SELECT 1 FROM ai_usage_instances i WHERE i.id = g.instance_id "
                        + "AND i.alive_until >= :now)")
                .bind("me", instanceId).bind("now", now)
                .map((rs, ctx) -> new Orphan(rs.getObject("id", UUID.class), rs.getString("org_id"),
                        rs.getObject("started_at", OffsetDateTime.class).toInstant()))
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
                JdbcBudgetLedger.settleAbandonedIn(h, o.id());
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

    private static int update(Handle h, UsageRecord r) {
        return bind(h.createUpdate("UPDATE ai_generations SET user_id = :userId, group_id = :groupId, provider = :provider, model = :model, "
                + "feature = :feature, tier = :tier, status = :status, input_tokens = :inputTokens, output_tokens = :outputTokens, "
                + "cached_tokens = :cachedTokens, latency_ms = :latencyMs, correlation_id = :correlationId, "
                + "error_code = :errorCode, error_message = :errorMessage, guardrails = :guardrails, cost_usd = :cost, billed_usd = :billed, "
                + "input_text = :inputText, "
                + "output_text = :outputText, started_at = :startedAt, finished_at = :finishedAt "
                + "WHERE id = :id AND status = 'started'"), r).execute();
    }

    /** Inserts a record; a null instance is written as a literal NULL (a null bound as text is refused for a uuid). */
    private static void insert(Handle h, UsageRecord r, UUID instance) {
        bind(h.createUpdate("INSERT INTO ai_generations (id, org_id, user_id, group_id, provider, model, feature, tier, status, "
                + "input_tokens, output_tokens, cached_tokens, latency_ms, correlation_id, error_code, error_message, "
                + "guardrails, cost_usd, billed_usd, input_text, output_text, started_at, finished_at, instance_id) VALUES (:id, "
                + ":orgId, :userId, :groupId, :provider, :model, :feature, :tier, :status, :inputTokens, :outputTokens, "
                + ":cachedTokens, :latencyMs, :correlationId, :errorCode, :errorMessage, :guardrails, :cost, :billed, "
                + ":inputText, :outputText, :startedAt, :finishedAt, " + (instance == null ? "NULL" : ":instance") + ")"), r)
                .bind("instance", instance)
                .execute();
    }

    /** Binds a record, every text cut to its column's width and cleaned of NUL characters. */
    private static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bind(S s, UsageRecord r) {
        return s.bind("id", r.id()).bind("orgId", clean(r.orgId(), 128)).bind("userId", clean(r.userId(), 256))
                .bind("groupId", clean(r.groupId(), 1000)).bind("guardrails", clean(r.guardrails(), 2000))
                .bind("provider", clean(r.provider(), 63)).bind("model", clean(r.model(), 200))
                .bind("feature", clean(r.feature(), 128)).bind("tier", clean(r.tier(), 64))
                .bind("status", r.status().wireName())
                .bind("inputTokens", r.usage().inputTokens()).bind("outputTokens", r.usage().outputTokens())
                .bind("cachedTokens", r.usage().cachedInputTokens())
                .bind("latencyMs", r.latency() == null ? null : r.latency().toMillis())
                .bind("correlationId", clean(r.correlationId(), 128)).bind("errorCode", clean(r.errorCode(), 64))
                .bind("errorMessage", clean(r.errorMessage(), 2000)).bind("cost", r.cost().amount())
                .bind("billed", r.billed().amount())
                .bind("inputText", clean(r.inputText(), 65536)).bind("outputText", clean(r.outputText(), 65536))
                .bind("startedAt", r.startedAt()).bind("finishedAt", r.finishedAt());
    }

    /** Without NUL characters (PostgreSQL refuses them in text) and at most {@code max} characters. */
    static String clean(String s, int max) {
        if (s == null) {
            return null;
        }
        String out = s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
        return truncate(out, max);
    }

    private static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }

    private static UsageRecord row(ResultSet rs) throws SQLException {
        OffsetDateTime finished = rs.getObject("finished_at", OffsetDateTime.class);
        BigDecimal cost = rs.getBigDecimal("cost_usd");
        BigDecimal billed = rs.getBigDecimal("billed_usd");
        Long latency = (Long) rs.getObject("latency_ms", Long.class);
        return new UsageRecord(rs.getObject("id", UUID.class), rs.getString("org_id"), rs.getString("user_id"),
                rs.getString("group_id"), rs.getString("provider"), rs.getString("model"), rs.getString("feature"), rs.getString("tier"),
                UsageStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                new TokenUsage(rs.getObject("input_tokens", Long.class), rs.getObject("output_tokens", Long.class),
                        rs.getObject("cached_tokens", Long.class)),
                cost == null ? Cost.unpriced() : Cost.usd(cost.stripTrailingZeros()),
                billed == null ? Cost.unpriced() : Cost.usd(billed.stripTrailingZeros()),
                latency == null ? null : Duration.ofMillis(latency), rs.getString("correlation_id"),
                rs.getString("error_code"), rs.getString("error_message"), rs.getString("guardrails"),
                rs.getString("input_text"),
                rs.getString("output_text"), rs.getObject("started_at", OffsetDateTime.class).toInstant(),
                finished == null ? null : finished.toInstant());
    }
}
