package dev.aitenancy.jdbc;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * Usage records as rows of {@code ai_generations}: written with every text cut to its column's
 * width and cleaned of NUL characters, so the database never refuses a record for its length, and
 * read back. Many records are written together: on PostgreSQL with one statement over one text
 * array per column ({@code unnest}), so the statement and its plan are the same for any number of
 * rows; on H2 as one JDBC batch.
 */
final class UsageRows {

    private UsageRows() {
    }

    /** Moves a started row to its outcome (bind with {@link #bind}). */
    static final String UPDATE = "UPDATE ai_generations SET user_id = :userId, group_id = :groupId, "
            + "provider = :provider, model = :model, feature = :feature, tier = :tier, status = :status, "
            + "input_tokens = :inputTokens, output_tokens = :outputTokens, cached_tokens = :cachedTokens, "
            + "latency_ms = :latencyMs, correlation_id = :correlationId, error_code = :errorCode, "
            + "error_message = :errorMessage, guardrails = :guardrails, cost_usd = :cost, billed_usd = :billed, "
            + "input_text = :inputText, output_text = :outputText, started_at = :startedAt, finished_at = :finishedAt, "
            + "tool_calls = :toolCalls, operation = :operation, preferences = :preferences, "
            + "response_model = :responseModel "
            + "WHERE id = :id AND status = 'started'";

    /** The insert of a record of an instance (bind with {@link #bind} and {@code instance}). */
    private static final String INSERT = insertSql(":instance");
    private static final String INSERT_UNSTARTED = insertSql("NULL");

    private static String insertSql(String instance) {
        return "INSERT INTO ai_generations (id, org_id, user_id, group_id, provider, model, feature, tier, status, "
                + "input_tokens, output_tokens, cached_tokens, latency_ms, correlation_id, error_code, error_message, "
                + "guardrails, cost_usd, billed_usd, input_text, output_text, started_at, finished_at, tool_calls, "
                + "operation, preferences, response_model, instance_id, budget_leases) "
                + "VALUES (:id, :orgId, :userId, :groupId, :provider, :model, :feature, :tier, :status, :inputTokens, "
                + ":outputTokens, :cachedTokens, :latencyMs, :correlationId, :errorCode, :errorMessage, :guardrails, "
                + ":cost, :billed, :inputText, :outputText, :startedAt, :finishedAt, :toolCalls, :operation, :preferences, :responseModel, "
                + instance + ", :leases)";
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
                .bind("startedAt", r.startedAt()).bind("finishedAt", r.finishedAt())
                .bind("toolCalls", clean(r.toolCalls(), 1000)).bind("operation", clean(r.operation(), 32))
                .bind("preferences", clean(r.preferences(), 500))
                .bind("responseModel", clean(r.responseModel(), 200));
    }

    /**
     * PostgreSQL: the columns of a record in the order of {@link #texts}, each with the type its
     * text is cast to ({@code null}: text, as stored).
     */
    private static final String[][] COLUMNS = {
            {"id", "uuid"}, {"org_id", null}, {"user_id", null}, {"group_id", null}, {"provider", null},
            {"model", null}, {"feature", null}, {"tier", null}, {"status", null}, {"input_tokens", "bigint"},
            {"output_tokens", "bigint"}, {"cached_tokens", "bigint"}, {"latency_ms", "bigint"},
            {"correlation_id", null}, {"error_code", null}, {"error_message", null}, {"guardrails", null},
            {"cost_usd", "numeric"}, {"billed_usd", "numeric"}, {"input_text", null}, {"output_text", null},
            {"started_at", "timestamptz"}, {"finished_at", "timestamptz"}, {"tool_calls", null},
            {"operation", null}, {"preferences", null}, {"response_model", null}};

    /** Columns that {@link #updateAll} leaves as the started row wrote them. */
    private static final Set<String> KEPT_ON_UPDATE = Set.of("id", "org_id");

    /**
     * PostgreSQL: every record of {@code records} as one column array each, unnested into the rows
     * {@code v}: one statement whatever the number of records.
     */
    private static final String UNNEST;

    /** PostgreSQL: moves started rows to their outcome in one statement, returning the ids moved. */
    private static final String UPDATE_ALL;

    /** PostgreSQL: inserts rows in one statement, all of one instance (the first parameter) or of none. */
    private static final String INSERT_ALL;

    static {
        StringBuilder params = new StringBuilder();
        StringBuilder names = new StringBuilder();
        StringBuilder set = new StringBuilder();
        StringBuilder values = new StringBuilder();
        for (String[] c : COLUMNS) {
            String sep = names.length() == 0 ? "" : ", ";
            params.append(sep).append("(SELECT CAST(? AS text[]))");
            names.append(sep).append(c[0]);
            String value = c[1] == null ? "v." + c[0] : "CAST(v." + c[0] + " AS " + c[1] + ")";
            values.append(sep).append(value);
            if (!KEPT_ON_UPDATE.contains(c[0])) {
                set.append(set.length() == 0 ? "" : ", ").append(c[0]).append(" = ").append(value);
            }
        }
        UNNEST = "unnest(" + params + ") AS v(" + names + ")";
        UPDATE_ALL = "UPDATE ai_generations g SET " + set + " FROM " + UNNEST
                + " WHERE g.id = CAST(v.id AS uuid) AND g.status = 'started' RETURNING g.id";
        INSERT_ALL = "INSERT INTO ai_generations (" + names + ", instance_id, budget_leases) SELECT " + values
                + ", CAST(? AS uuid), v.budget_leases FROM unnest(" + params + ", (SELECT CAST(? AS text[]))) AS v(" + names
                + ", budget_leases)";
    }

    /**
     * PostgreSQL: the record's columns as text, in the order of {@link #COLUMNS}, cut and cleaned
     * as {@link #bind} does; timestamps to the microsecond, rounded as the JDBC driver rounds them.
     */
    private static String[] texts(UsageRecord r) {
        TokenUsage u = r.usage();
        return new String[] {r.id().toString(), clean(r.orgId(), 128), clean(r.userId(), 256),
                clean(r.groupId(), 1000), clean(r.provider(), 63), clean(r.model(), 200), clean(r.feature(), 128),
                clean(r.tier(), 64), r.status().wireName(), text(u.inputTokens()), text(u.outputTokens()),
                text(u.cachedInputTokens()), r.latency() == null ? null : Long.toString(r.latency().toMillis()),
                clean(r.correlationId(), 128), clean(r.errorCode(), 64), clean(r.errorMessage(), 2000),
                clean(r.guardrails(), 2000), amount(r.cost()), amount(r.billed()), clean(r.inputText(), 65536),
                clean(r.outputText(), 65536), instant(r.startedAt()), instant(r.finishedAt()),
                clean(r.toolCalls(), 1000), clean(r.operation(), 32), clean(r.preferences(), 500),
                clean(r.responseModel(), 200)};
    }

    private static String text(Long n) {
        return n == null ? null : n.toString();
    }

    private static String amount(Cost c) {
        return c == null || c.amount() == null ? null : c.amount().toPlainString();
    }

    private static String instant(Instant t) {
        return t == null ? null : t.plusNanos(500).truncatedTo(ChronoUnit.MICROS).toString();
    }

    /** Binds {@code records} column by column as text arrays, from position {@code first} on. */
    private static void bindColumns(SqlStatement<?> s, int first, List<UsageRecord> records) {
        String[][] columns = new String[COLUMNS.length][records.size()];
        for (int i = 0; i < records.size(); i++) {
            String[] row = texts(records.get(i));
            for (int c = 0; c < row.length; c++) {
                columns[c][i] = row[c];
            }
        }
        for (int c = 0; c < columns.length; c++) {
            s.bind(first + c, textArray(columns[c]));
        }
    }

    /** A {@code text[]} parameter (a JDBC array, so any text and NULLs go through unchanged). */
    static Argument textArray(String[] values) {
        return (position, statement, ctx) -> statement.setArray(position,
                statement.getConnection().createArrayOf("text", values));
    }

    /**
     * PostgreSQL: moves the started rows of {@code records} to their outcome in one statement;
     * returns the ids of the rows moved (those still started).
     */
    static Set<UUID> updateAll(Handle h, List<UsageRecord> records) {
        Query q = h.createQuery(UPDATE_ALL);
        bindColumns(q, 0, records);
        return new HashSet<>(q.map((rs, ctx) -> rs.getObject(1, UUID.class)).list());
    }

    /**
     * PostgreSQL: inserts {@code records} in one statement, tagged with {@code instance} (null for
     * records of calls that were never started).
     */
    static void insertAll(Handle h, List<UsageRecord> records, UUID instance, Map<UUID, String> leases) {
        Update u = h.createUpdate(INSERT_ALL).bind(0, instance == null ? null : instance.toString());
        bindColumns(u, 1, records);
        String[] notes = new String[records.size()];
        for (int i = 0; i < notes.length; i++) {
            notes[i] = leases.get(records.get(i).id());
        }
        u.bind(1 + COLUMNS.length, textArray(notes));
        u.execute();
    }

    /**
     * Moves the started rows of {@code records} (of distinct ids) to their outcome: on PostgreSQL
     * in one statement, on H2 in one JDBC batch. Returns the ids of the rows moved; a record whose
     * row is not started (finished already, or never started) is not among them.
     */
    static Set<UUID> moveStarted(Handle h, Dialect dialect, List<UsageRecord> records) {
        if (dialect == Dialect.POSTGRESQL) {
            return updateAll(h, records);
        }
        PreparedBatch batch = h.prepareBatch(UPDATE);
        for (UsageRecord r : records) {
            bind(batch, r).add();
        }
        int[] counts = batch.execute();
        Set<UUID> moved = new HashSet<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                moved.add(records.get(i).id());
            }
        }
        return moved;
    }

    /**
     * Inserts {@code records} (of distinct ids), tagged with {@code instance}, or with none when it
     * is null (records of calls that were never started): on PostgreSQL, several in one statement of
     * arrays; one record, and any number on H2, in one JDBC batch of plain {@code INSERT ... VALUES}
     * (for one row that costs both sides less than arrays).
     */
    static void insert(Handle h, Dialect dialect, List<UsageRecord> records, UUID instance) {
        insert(h, dialect, records, instance, Map.of());
    }

    /** As {@link #insert(Handle, Dialect, List, UUID)}, each row with the note of its budget leases (if any). */
    static void insert(Handle h, Dialect dialect, List<UsageRecord> records, UUID instance, Map<UUID, String> leases) {
        if (dialect == Dialect.POSTGRESQL && records.size() > 1) {
            insertAll(h, records, instance, leases);
            return;
        }
        PreparedBatch batch = h.prepareBatch(instance == null ? INSERT_UNSTARTED : INSERT);
        for (UsageRecord r : records) {
            bind(batch, r).bind("leases", leases.get(r.id()));
            if (instance != null) {
                batch.bind("instance", instance);
            }
            batch.add();
        }
        batch.execute();
    }

    /** The status of each of the rows {@code ids} that exists. */
    static Map<UUID, String> statuses(Handle h, Dialect dialect, List<UUID> ids) {
        Map<UUID, String> out = new HashMap<>();
        if (dialect == Dialect.POSTGRESQL) {
            h.createQuery("SELECT id, status FROM ai_generations WHERE id = ANY(CAST((SELECT CAST(? AS uuid[])) AS uuid[]))")
                    .bind(0, textArray(ids.stream().map(UUID::toString).toArray(String[]::new)))
                    .map((rs, ctx) -> out.put(rs.getObject("id", UUID.class), rs.getString("status"))).list();
        } else {
            h.createQuery("SELECT id, status FROM ai_generations WHERE id IN (<ids>)").bindList("ids", ids)
                    .map((rs, ctx) -> out.put(rs.getObject("id", UUID.class), rs.getString("status"))).list();
        }
        return out;
    }

    /** Without NUL characters (PostgreSQL refuses them in text) and at most {@code max} characters. */
    static String clean(String s, int max) {
        if (s == null) {
            return null;
        }
        String out = s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
        return truncate(out, max);
    }

    static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }

    static UsageRecord row(ResultSet rs) throws SQLException {
        OffsetDateTime finished = rs.getObject("finished_at", OffsetDateTime.class);
        BigDecimal cost = rs.getBigDecimal("cost_usd");
        BigDecimal billed = rs.getBigDecimal("billed_usd");
        Long latency = rs.getObject("latency_ms", Long.class);
        return UsageRecord.builder(rs.getObject("id", UUID.class), rs.getString("org_id"),
                        rs.getObject("started_at", OffsetDateTime.class).toInstant())
                .userId(rs.getString("user_id")).groupId(rs.getString("group_id"))
                .provider(rs.getString("provider")).model(rs.getString("model"))
                .feature(rs.getString("feature")).tier(rs.getString("tier"))
                .status(UsageStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)))
                .usage(new TokenUsage(rs.getObject("input_tokens", Long.class), rs.getObject("output_tokens", Long.class),
                        rs.getObject("cached_tokens", Long.class)))
                .cost(cost == null ? Cost.unpriced() : Cost.usd(cost.stripTrailingZeros()))
                .billed(billed == null ? Cost.unpriced() : Cost.usd(billed.stripTrailingZeros()))
                .latency(latency == null ? null : Duration.ofMillis(latency))
                .correlationId(rs.getString("correlation_id"))
                .error(rs.getString("error_code"), rs.getString("error_message"))
                .guardrails(rs.getString("guardrails")).toolCalls(rs.getString("tool_calls"))
                .operation(rs.getString("operation")).preferences(rs.getString("preferences"))
                .responseModel(rs.getString("response_model"))
                .inputText(rs.getString("input_text")).outputText(rs.getString("output_text"))
                .finishedAt(finished == null ? null : finished.toInstant())
                .build();
    }
}
