package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.PricingReport;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageTotals;
import dev.aitenancy.spi.PricingTally;
import dev.aitenancy.spi.UsageCursor;
import dev.aitenancy.spi.UsageExport;
import java.io.Writer;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The reads of {@code ai_generations} and the daily roll-ups behind {@link JdbcUsageSink}: each runs
 * {@code beforeRead} first, so it sees every record the sink accepted before it.
 */
final class UsageReads {

    private final Jdbi jdbi;
    private final Runnable beforeRead;
    private volatile Dialect dialect;

    UsageReads(Jdbi jdbi, Runnable beforeRead) {
        this.jdbi = jdbi;
        this.beforeRead = beforeRead;
    }

    public java.util.Optional<UsageRecord> find(OrgId org, java.util.UUID id) {
        beforeRead.run();
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_generations WHERE org_id = :org AND id = :id")
                .bind("org", org.value()).bind("id", id)
                .map((rs, ctx) -> UsageRows.row(rs))
                .findOne());
    }

    public UsagePage query(UsageQuery q) {
        beforeRead.run();
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
                .map((rs, ctx) -> UsageRows.row(rs))
                .list());
        boolean more = rows.size() > q.pageSize();
        List<UsageRecord> page = more ? rows.subList(0, q.pageSize()) : rows;
        return new UsagePage(page, more ? UsageCursor.of(page.get(page.size() - 1)).encode() : null);
    }

    public UsageTotals totals(UsageQuery q) {
        beforeRead.run();
        Where where = where(q);
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) AS requests, "
                        + "COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens, "
                        + "AVG(CAST(latency_ms AS DOUBLE PRECISION)) AS avg_latency, COALESCE(SUM(cost_usd), 0) AS cost, "
                        + "SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced "
                        + "FROM ai_generations WHERE " + where.sql())
                .bindMap(where.params)
                .map((rs, ctx) -> new UsageTotals(rs.getLong("requests"), rs.getLong("input_tokens"),
                        rs.getLong("output_tokens"), rs.getObject("avg_latency", Double.class),
                        rs.getBigDecimal("cost").stripTrailingZeros(), rs.getLong("unpriced")))
                .one());
    }

    public long export(UsageQuery q, ExportFormat format, Writer out) {
        beforeRead.run();
        Where where = where(q);
        UsageExport export = new UsageExport(out, format);
        jdbi.useTransaction(h -> {
            try (var rows = h.createQuery("SELECT * FROM ai_generations WHERE " + where.sql()
                            + " ORDER BY started_at DESC, id DESC")
                    .bindMap(where.params)
                    .setFetchSize(500)
                    .map((rs, ctx) -> UsageRows.row(rs))
                    .stream()) {
                rows.forEach(export::write);
            }
        });
        return export.written();
    }

    public long purge(OrgId org, Instant before) {
        beforeRead.run();
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM ai_generations WHERE org_id = :org AND started_at < :before")
                .bind("org", org.value())
                .bind("before", before)
                .execute());
    }

    public java.util.SortedSet<OrgId> orgsWithRecordsBefore(Instant before) {
        beforeRead.run();
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT org_id FROM ai_generations WHERE started_at < :before")
                .bind("before", before)
                .mapTo(String.class)
                .collect(java.util.stream.Collectors.mapping(OrgId::of,
                        java.util.stream.Collectors.toCollection(java.util.TreeSet::new))));
    }

    /**
     * The report from five grouped queries (by tier, user, model and hour of day, in one
     * transaction): the rows read are groups, never the records themselves.
     */
    public PricingReport pricingReport(OrgId org, Instant from, Instant to, ZoneId zone) {
        PricingTally.check(org, from, to, zone);
        beforeRead.run();
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
    public int summarize(LocalDate day) {
        beforeRead.run();
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

    public List<DailySummary> daily(OrgId org, LocalDate from, LocalDate to) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_usage_daily WHERE org_id = :org AND usage_day >= :from "
                        + "AND usage_day <= :to ORDER BY usage_day, provider, model, user_id")
                .bind("org", org.value()).bind("from", from).bind("to", to)
                .map((rs, ctx) -> summary(rs))
                .list());
    }

    public List<DailySummary> daily(LocalDate day) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_usage_daily WHERE usage_day = :day "
                        + "ORDER BY org_id, provider, model, user_id")
                .bind("day", day)
                .map((rs, ctx) -> summary(rs))
                .list());
    }

    private static DailySummary summary(ResultSet rs) throws SQLException {
        return new DailySummary(OrgId.of(rs.getString("org_id")), rs.getObject("usage_day", LocalDate.class),
                rs.getString("provider"), rs.getString("model"), rs.getString("user_id"), rs.getLong("requests"),
                rs.getLong("errors"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                rs.getBigDecimal("cost_usd").stripTrailingZeros(), rs.getBigDecimal("billed_usd").stripTrailingZeros());
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
}
