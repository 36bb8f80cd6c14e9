package dev.aitenancy.jdbc;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * One usage record as a row of {@code ai_generations}: written with every text cut to its
 * column's width and cleaned of NUL characters, so the database never refuses a record for its
 * length, and read back.
 */
final class UsageRows {

    private UsageRows() {
    }

    static int update(Handle h, UsageRecord r) {
        return bind(h.createUpdate("UPDATE ai_generations SET user_id = :userId, group_id = :groupId, provider = :provider, model = :model, "
                + "feature = :feature, tier = :tier, status = :status, input_tokens = :inputTokens, output_tokens = :outputTokens, "
                + "cached_tokens = :cachedTokens, latency_ms = :latencyMs, correlation_id = :correlationId, "
                + "error_code = :errorCode, error_message = :errorMessage, guardrails = :guardrails, cost_usd = :cost, billed_usd = :billed, "
                + "input_text = :inputText, "
                + "output_text = :outputText, started_at = :startedAt, finished_at = :finishedAt "
                + "WHERE id = :id AND status = 'started'"), r).execute();
    }

    /** The insert of a started record of an instance (bind with {@link #bindInsert}). */
    static final String INSERT = insertSql(":instance");

    private static String insertSql(String instance) {
        return "INSERT INTO ai_generations (id, org_id, user_id, group_id, provider, model, feature, tier, status, "
                + "input_tokens, output_tokens, cached_tokens, latency_ms, correlation_id, error_code, error_message, "
                + "guardrails, cost_usd, billed_usd, input_text, output_text, started_at, finished_at, instance_id) "
                + "VALUES (:id, :orgId, :userId, :groupId, :provider, :model, :feature, :tier, :status, :inputTokens, "
                + ":outputTokens, :cachedTokens, :latencyMs, :correlationId, :errorCode, :errorMessage, :guardrails, "
                + ":cost, :billed, :inputText, :outputText, :startedAt, :finishedAt, " + instance + ")";
    }

    /** Binds a started record of {@code instance} to {@link #INSERT} (or a batch of it). */
    static <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bindInsert(S s, UsageRecord r, UUID instance) {
        return bind(s, r).bind("instance", instance);
    }

    /**
     * Inserts the record of a call that was never started (refused before its provider, or its
     * start was lost): no instance holds it, written as a literal NULL because a null bound as text
     * is refused for a uuid column.
     */
    static void insertFinished(Handle h, UsageRecord r) {
        bind(h.createUpdate(insertSql("NULL")), r).execute();
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
        Long latency = (Long) rs.getObject("latency_ms", Long.class);
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
                .guardrails(rs.getString("guardrails"))
                .inputText(rs.getString("input_text")).outputText(rs.getString("output_text"))
                .finishedAt(finished == null ? null : finished.toInstant())
                .build();
    }
}
