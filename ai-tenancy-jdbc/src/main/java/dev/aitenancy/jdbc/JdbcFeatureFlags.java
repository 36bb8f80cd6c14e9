package dev.aitenancy.jdbc;

import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/** Feature switches per org in {@code ai_feature_flags}; a feature without a row is enabled. */
public final class JdbcFeatureFlags implements FeatureFlagStore {

    private final Jdbi jdbi;
    private final Clock clock;
    private final dev.aitenancy.spi.TtlCache<OrgId, Map<String, Boolean>> cached;

    JdbcFeatureFlags(Jdbi jdbi, Clock clock, java.time.Duration cacheTtl) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.cached = new dev.aitenancy.spi.TtlCache<>(cacheTtl, clock, 10_000);
    }

    @Override
    public boolean isEnabled(OrgId org, String feature) {
        return cached.get(org, this::flags).getOrDefault(feature, true);
    }

    @Override
    public JdbcFeatureFlags set(OrgId org, String feature, boolean enabled) {
        Objects.requireNonNull(feature, "feature");
        var now = clock.instant();
        Sql.upsert(jdbi,
                h -> h.createUpdate("UPDATE ai_feature_flags SET enabled = :enabled, updated_at = :now "
                                + "WHERE org_id = :org AND feature = :feature")
                        .bind("enabled", enabled).bind("now", now).bind("org", org.value()).bind("feature", feature)
                        .execute(),
                h -> h.createUpdate("INSERT INTO ai_feature_flags (org_id, feature, enabled, updated_at) "
                                + "VALUES (:org, :feature, :enabled, :now)")
                        .bind("enabled", enabled).bind("now", now).bind("org", org.value()).bind("feature", feature)
                        .execute());
        cached.invalidateIf(org::equals);
        return this;
    }

    @Override
    public Map<String, Boolean> flags(OrgId org) {
        Map<String, Boolean> out = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT feature, enabled FROM ai_feature_flags WHERE org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> out.put(rs.getString("feature"), rs.getBoolean("enabled")))
                .list());
        return out;
    }
}
