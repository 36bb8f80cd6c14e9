package dev.aitenancy.jdbc;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import java.time.Instant;
import java.time.OffsetDateTime;
import dev.aitenancy.usage.AuditPage;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.spi.AuditPages;
import dev.aitenancy.spi.UsageCursor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** The audit log in {@code ai_audit_log}, written as each event happens. */
public final class JdbcAuditSink implements AuditSink {

    private final Jdbi jdbi;

    JdbcAuditSink(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void record(AuditEvent e) {
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO ai_audit_log (id, org_id, actor, action, target, detail, at) "
                        + "VALUES (:id, :org, :actor, :action, :target, :detail, :at)")
                .bind("id", e.id()).bind("org", e.org().value()).bind("actor", e.actor()).bind("action", e.action())
                .bind("target", e.target())
                .bind("detail", e.detail() == null || e.detail().length() <= 1000 ? e.detail() : e.detail().substring(0, 1000))
                .bind("at", e.at())
                .execute());
    }

    @Override
    public List<AuditEvent> query(OrgId org, Instant from, Instant to, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_audit_log WHERE org_id = :org AND at >= :from "
                        + "AND at < :to ORDER BY at DESC, id DESC")
                .bind("org", org.value()).bind("from", clampToSql(from)).bind("to", clampToSql(to))
                .setMaxRows(Math.max(1, limit))
                .map((rs, ctx) -> new AuditEvent(rs.getObject("id", UUID.class), org, rs.getString("actor"),
                        rs.getString("action"), rs.getString("target"), rs.getString("detail"),
                        rs.getObject("at", OffsetDateTime.class).toInstant()))
                .list());
    }

    @Override
    public AuditPage query(AuditQuery q) {
        List<String> where = new ArrayList<>(List.of("org_id = :org"));
        Map<String, Object> params = new HashMap<>(Map.of("org", q.org().value()));
        if (q.actor() != null) {
            where.add("actor = :actor");
            params.put("actor", q.actor());
        }
        if (q.actionPrefix() != null) {
            where.add("action LIKE :action ESCAPE '!'");
            params.put("action", q.actionPrefix().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        } else if (q.action() != null) {
            where.add("action = :action");
            params.put("action", q.action());
        }
        if (q.from() != null) {
            where.add("at >= :from");
            params.put("from", clampToSql(q.from()));
        }
        if (q.to() != null) {
            where.add("at < :to");
            params.put("to", clampToSql(q.to()));
        }
        if (q.cursor() != null) {
            UsageCursor c = UsageCursor.decode(q.cursor());
            where.add("(at < :cursorAt OR (at = :cursorAt AND id < :cursorId))");
            params.put("cursorAt", c.startedAt());
            params.put("cursorId", c.id());
        }
        List<AuditEvent> rows = jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_audit_log WHERE "
                        + String.join(" AND ", where) + " ORDER BY at DESC, id DESC")
                .bindMap(params)
                .setMaxRows(q.limit() + 1)
                .map((rs, ctx) -> new AuditEvent(rs.getObject("id", UUID.class), q.org(), rs.getString("actor"),
                        rs.getString("action"), rs.getString("target"), rs.getString("detail"),
                        rs.getObject("at", OffsetDateTime.class).toInstant()))
                .list());
        return AuditPages.page(rows, q.limit());
    }

    /** Instant.MIN/MAX do not fit SQL timestamps; years 1 and 9999 bound every real event. */
    private static Instant clampToSql(Instant t) {
        Instant min = Instant.parse("0001-01-01T00:00:00Z");
        Instant max = Instant.parse("9999-12-31T23:59:59Z");
        return t.isBefore(min) ? min : t.isAfter(max) ? max : t;
    }
}
