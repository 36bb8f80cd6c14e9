package dev.aitenancy.jdbc;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.spi.StoredGuardrails;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.tenant.OrgId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Guardrails in {@code ai_guardrails}: global rules under the org id {@code ''}, each org's own
 * under its id, rules as JSON. {@link #guardrails(OrgId)} is two indexed queries on one connection per call.
 */
public final class JdbcGuardrailStore implements GuardrailStore {

    private static final String GLOBAL = "";
    /** The width of {@code ai_guardrails.rule}, in characters. */
    static final int MAX_RULE_JSON = 65_536;

    private final Jdbi jdbi;
    private final Clock clock;

    JdbcGuardrailStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public List<Guardrail> guardrails(OrgId org) {
        Objects.requireNonNull(org, "org");
        return jdbi.withHandle(h -> {
            List<Guardrail> rules = new java.util.ArrayList<>(ofOrg(h, GLOBAL));
            rules.addAll(ofOrg(h, org.value()));
            return rules;
        });
    }

    @Override
    public List<Guardrail> globalGuardrails() {
        return jdbi.withHandle(h -> ofOrg(h, GLOBAL));
    }

    private static List<Guardrail> ofOrg(Handle h, String org) {
        return h.createQuery("SELECT * FROM ai_guardrails WHERE org_id = :org ORDER BY position")
                .bind("org", org)
                .map((rs, ctx) -> row(rs))
                .list();
    }

    @Override
    public Guardrail save(Guardrail g) {
        var now = clock.instant();
        String rule = StoredGuardrails.toJson(g.rule());
        if (rule.length() > MAX_RULE_JSON) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, g.org() == null ? null : g.org().value(),
                    "guardrail '" + g.name() + "' is too large to store: its rule takes " + rule.length()
                            + " characters of JSON, at most " + MAX_RULE_JSON
                            + "; shorten its texts or split it into several guardrails");
        }
        Sql.upsert(jdbi, h -> {
            find(h, g.id()).ifPresent(existing -> StoredGuardrails.checkReplaceable(existing, g));
            return bind(h.createUpdate("UPDATE ai_guardrails SET subject = :subject, name = :name, kind = :kind, "
                    + "action = :action, enabled = :enabled, rule = :rule, updated_at = :now WHERE id = :id"), g, rule,
                    now).execute();
        }, h -> bind(h.createUpdate("INSERT INTO ai_guardrails (id, org_id, level, subject, name, kind, action, "
                + "enabled, rule, updated_at) VALUES (:id, :org, :level, :subject, :name, :kind, :action, :enabled, "
                + ":rule, :now)"), g, rule, now).execute());
        return g;
    }

    private static org.jdbi.v3.core.statement.Update bind(org.jdbi.v3.core.statement.Update u, Guardrail g,
            String rule, java.time.Instant now) {
        return u.bind("id", g.id())
                .bind("org", g.org() == null ? GLOBAL : g.org().value())
                .bind("level", g.level().name())
                .bind("subject", g.subject())
                .bind("name", g.name())
                .bind("kind", g.rule().kind())
                .bind("action", g.action().name())
                .bind("enabled", g.enabled())
                .bind("rule", rule)
                .bind("now", now);
    }

    @Override
    public Optional<Guardrail> find(OrgId org, UUID id) {
        return jdbi.withHandle(h -> find(h, id)).filter(g -> Objects.equals(g.org(), org));
    }

    private static Optional<Guardrail> find(Handle h, UUID id) {
        return h.createQuery("SELECT * FROM ai_guardrails WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> row(rs))
                .findOne();
    }

    @Override
    public boolean delete(OrgId org, UUID id) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM ai_guardrails WHERE id = :id AND org_id = :org")
                .bind("id", id).bind("org", org == null ? GLOBAL : org.value())
                .execute()) > 0;
    }

    private static Guardrail row(ResultSet rs) throws SQLException {
        String org = rs.getString("org_id");
        return new Guardrail(rs.getObject("id", UUID.class), Guardrail.Level.valueOf(rs.getString("level")),
                org.isEmpty() ? null : OrgId.of(org), rs.getString("subject"), rs.getString("name"),
                StoredGuardrails.fromJson(rs.getString("rule")), GuardrailAction.valueOf(rs.getString("action")),
                rs.getBoolean("enabled"));
    }
}
