package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.template.PromptTemplate;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.tenant.OrgId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Versioned prompt templates per org in {@code ai_templates}. A save takes the next version
 * number; two instances saving the same name at once collide on the primary key and the loser
 * takes the following number.
 */
public final class JdbcTemplateStore implements TemplateStore {

    private static final int MAX_ATTEMPTS = 20;

    private final Jdbi jdbi;
    private final Clock clock;

    JdbcTemplateStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public StoredTemplate save(OrgId org, String name, String text, String createdBy) {
        PromptTemplate.parse(text);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a template name must not be blank");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return jdbi.inTransaction(h -> {
                    int version = h.createQuery("SELECT COALESCE(MAX(version), 0) + 1 FROM ai_templates "
                                    + "WHERE org_id = :org AND name = :name")
                            .bind("org", org.value()).bind("name", name)
                            .mapTo(Integer.class).one();
                    StoredTemplate t = new StoredTemplate(org, name, version, text, createdBy, clock.instant());
                    h.createUpdate("INSERT INTO ai_templates (org_id, name, version, body, created_by, created_at) "
                                    + "VALUES (:org, :name, :version, :body, :by, :at)")
                            .bind("org", org.value()).bind("name", name).bind("version", version)
                            .bind("body", text).bind("by", createdBy).bind("at", t.createdAt())
                            .execute();
                    return t;
                });
            } catch (UnableToExecuteStatementException e) {
                if (attempt >= MAX_ATTEMPTS || !Sql.isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Optional<StoredTemplate> latest(OrgId org, String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_templates WHERE org_id = :org AND name = :name "
                        + "ORDER BY version DESC")
                .bind("org", org.value()).bind("name", name)
                .setMaxRows(1)
                .map((rs, ctx) -> row(org, rs))
                .findFirst());
    }

    @Override
    public Optional<StoredTemplate> version(OrgId org, String name, int version) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_templates "
                        + "WHERE org_id = :org AND name = :name AND version = :version")
                .bind("org", org.value()).bind("name", name).bind("version", version)
                .map((rs, ctx) -> row(org, rs))
                .findOne());
    }

    @Override
    public List<StoredTemplate> versions(OrgId org, String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_templates WHERE org_id = :org AND name = :name "
                        + "ORDER BY version")
                .bind("org", org.value()).bind("name", name)
                .map((rs, ctx) -> row(org, rs))
                .list());
    }

    @Override
    public List<StoredTemplate> latestVersions(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT t.* FROM ai_templates t WHERE t.org_id = :org "
                        + "AND t.version = (SELECT MAX(v.version) FROM ai_templates v WHERE v.org_id = t.org_id "
                        + "AND v.name = t.name) ORDER BY t.name")
                .bind("org", org.value())
                .map((rs, ctx) -> row(org, rs))
                .list());
    }

    private static StoredTemplate row(OrgId org, ResultSet rs) throws SQLException {
        return new StoredTemplate(org, rs.getString("name"), rs.getInt("version"), rs.getString("body"),
                rs.getString("created_by"), rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
}
