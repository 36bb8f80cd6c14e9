package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageTextSettings;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Per-org switches for storing usage text in {@code ai_usage_text_settings}; an org without a row stores text. */
public final class JdbcUsageTextSettings implements UsageTextSettings {

    private final Jdbi jdbi;
    private final Clock clock;
    private final dev.aitenancy.spi.TtlCache<OrgId, Optional<Boolean>> cached;

    JdbcUsageTextSettings(Jdbi jdbi, Clock clock, java.time.Duration cacheTtl) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.cached = new dev.aitenancy.spi.TtlCache<>(cacheTtl, clock, 10_000);
    }

    @Override
    public JdbcUsageTextSettings setStoresText(OrgId org, boolean store) {
        Objects.requireNonNull(org, "org");
        var now = clock.instant();
        Sql.upsert(jdbi,
                h -> h.createUpdate("UPDATE ai_usage_text_settings SET store_text = :store, updated_at = :now "
                                + "WHERE org_id = :org")
                        .bind("store", store).bind("now", now).bind("org", org.value())
                        .execute(),
                h -> h.createUpdate("INSERT INTO ai_usage_text_settings (org_id, store_text, updated_at) "
                                + "VALUES (:org, :store, :now)")
                        .bind("store", store).bind("now", now).bind("org", org.value())
                        .execute());
        cached.invalidateIf(org::equals);
        return this;
    }

    @Override
    public Optional<Boolean> explicitSetting(OrgId org) {
        return cached.get(org, o -> read(o));
    }

    private Optional<Boolean> read(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT store_text FROM ai_usage_text_settings WHERE org_id = :org")
                .bind("org", org.value())
                .mapTo(Boolean.class)
                .findOne());
    }
}
