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
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage records in {@code ai_generations}, written in batches by one background thread from a
 * bounded queue, so a call never waits for the database.
 *
 * <p>Nothing accepted is lost on provider errors, cancels or a clean shutdown: {@link #close()}
 * writes everything still queued. When the database is unavailable the writer keeps the batch and
 * tries again with a growing pause (up to 5 s). When the queue is full, a {@code started} record is
 * dropped at once (its {@code finished} record carries everything later) and a {@code finished}
 * record waits up to {@code offerTimeout} for room before it is dropped; every drop is counted in
 * {@link #droppedRecords()} and logged.
 */
public final class JdbcUsageSink implements UsageSink, UsageSummaries, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcUsageSink.class);

    private final Jdbi jdbi;
    private final BlockingQueue<UsageRecord> queue;
    private final int batchSize;
    private final Duration offerTimeout;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Object progress = new Object();
    private volatile boolean closing;
    private volatile Dialect dialect;
    private long enqueued;

    JdbcUsageSink(Jdbi jdbi, int capacity, int batchSize, Duration offerTimeout) {
        this.jdbi = jdbi;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.offerTimeout = offerTimeout;
        this.writer = new Thread(this::run, "ai-tenancy-usage-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void started(UsageRecord record) {
        enqueue(record, Duration.ZERO);
    }

    @Override
    public void finished(UsageRecord record) {
        enqueue(record, offerTimeout);
    }

    private void enqueue(UsageRecord record, Duration wait) {
        if (closing) {
            throw new IllegalStateException("the usage sink is closed");
        }
        try {
            boolean accepted = wait.isZero() ? queue.offer(record) : queue.offer(record, wait.toNanos(), TimeUnit.NANOSECONDS);
            if (accepted) {
                synchronized (progress) {
                    enqueued++;
                }
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long n = dropped.incrementAndGet();
        LOG.error("usage queue full: dropped the {} record {} of org {} ({} dropped so far)",
                record.status().wireName(), record.id(), record.orgId(), n);
    }

    /** Records dropped because the queue stayed full. */
    public long droppedRecords() {
        return dropped.get();
    }

    /** Records written to the database so far. */
    public long writtenRecords() {
        return written.get();
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

    /** Stops accepting records and writes everything queued (waiting at most 30 s). */
    @Override
    public void close() {
        closing = true;
        boolean drained = flush(Duration.ofSeconds(30));
        writer.interrupt();
        if (!drained) {
            LOG.error("usage sink closed with {} records not written", queue.size());
        }
    }

    private void run() {
        List<UsageRecord> batch = new ArrayList<>(batchSize);
        long pauseMillis = 50;
        while (true) {
            try {
                if (batch.isEmpty()) {
                    UsageRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
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
                written.addAndGet(batch.size());
                batch.clear();
                pauseMillis = 50;
                synchronized (progress) {
                    progress.notifyAll();
                }
            } catch (InterruptedException e) {
                if (queue.isEmpty() && batch.isEmpty()) {
                    return;
                }
                // close() interrupts only after a flush; keep writing what is left
            } catch (RuntimeException e) {
                LOG.warn("could not write {} usage records ({}); trying again in {} ms", batch.size(),
                        e.getClass().getSimpleName(), pauseMillis);
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

    private void write(List<UsageRecord> batch) {
        jdbi.useTransaction(h -> {
            for (UsageRecord r : batch) {
                if (update(h, r) == 0) {
                    insert(h, r);
                }
            }
        });
    }

    private static int update(Handle h, UsageRecord r) {
        return bind(h.createUpdate("UPDATE ai_generations SET user_id = :userId, group_id = :groupId, provider = :provider, model = :model, "
                + "feature = :feature, tier = :tier, status = :status, input_tokens = :inputTokens, output_tokens = :outputTokens, "
                + "cached_tokens = :cachedTokens, latency_ms = :latencyMs, correlation_id = :correlationId, "
                + "error_code = :errorCode, error_message = :errorMessage, guardrails = :guardrails, cost_usd = :cost, billed_usd = :billed, "
                + "input_text = :inputText, "
                + "output_text = :outputText, started_at = :startedAt, finished_at = :finishedAt "
                + "WHERE id = :id AND (status = 'started' OR :status <> 'started')"), r).execute();
    }

    private static void insert(Handle h, UsageRecord r) {
        // a late 'started' record for a call already finished matches no row above and must not insert
        if (r.status() == UsageStatus.STARTED && h.createQuery("SELECT COUNT(*) FROM ai_generations WHERE id = :id")
                .bind("id", r.id()).mapTo(Integer.class).one() > 0) {
            return;
        }
        bind(h.createUpdate("INSERT INTO ai_generations (id, org_id, user_id, group_id, provider, model, feature, tier, status, "
                + "input_tokens, output_tokens, cached_tokens, latency_ms, correlation_id, error_code, error_message, "
                + "guardrails, cost_usd, billed_usd, input_text, output_text, started_at, finished_at) VALUES (:id, :orgId, "
                + ":userId, :groupId, :provider, :model, :feature, :tier, :status, :inputTokens, :outputTokens, :cachedTokens, "
                + ":latencyMs, :correlationId, :errorCode, :errorMessage, :guardrails, :cost, :billed, :inputText, :outputText, "
                + ":startedAt, :finishedAt)"), r).execute();
    }

    private static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bind(S s, UsageRecord r) {
        return s.bind("id", r.id()).bind("orgId", r.orgId()).bind("userId", r.userId())
                .bind("groupId", truncate(r.groupId(), 1000)).bind("guardrails", truncate(r.guardrails(), 2000))
                .bind("provider", r.provider()).bind("model", r.model()).bind("feature", r.feature()).bind("tier", r.tier())
                .bind("status", r.status().wireName())
                .bind("inputTokens", r.usage().inputTokens()).bind("outputTokens", r.usage().outputTokens())
                .bind("cachedTokens", r.usage().cachedInputTokens())
                .bind("latencyMs", r.latency() == null ? null : r.latency().toMillis())
                .bind("correlationId", r.correlationId()).bind("errorCode", r.errorCode())
                .bind("errorMessage", truncate(r.errorMessage(), 2000)).bind("cost", r.cost().amount())
                .bind("billed", r.billed().amount())
                .bind("inputText", r.inputText()).bind("outputText", r.outputText())
                .bind("startedAt", r.startedAt()).bind("finishedAt", r.finishedAt());
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
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
