package dev.aitenancy.memory;

import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.tenant.OrgId;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Feature switches per org in memory. A feature nobody switched is enabled, unless this instance
 * was made with {@code enabledByDefault = false}.
 */
public final class InMemoryFeatureFlags implements FeatureFlags {

    private record Slot(OrgId org, String feature) {
    }

    private final Map<Slot, Boolean> flags = new ConcurrentHashMap<>();
    private final boolean enabledByDefault;

    public InMemoryFeatureFlags() {
        this(true);
    }

    public InMemoryFeatureFlags(boolean enabledByDefault) {
        this.enabledByDefault = enabledByDefault;
    }

    public InMemoryFeatureFlags set(OrgId org, String feature, boolean enabled) {
        flags.put(new Slot(Objects.requireNonNull(org), Objects.requireNonNull(feature)), enabled);
        return this;
    }

    @Override
    public boolean isEnabled(OrgId org, String feature) {
        return flags.getOrDefault(new Slot(org, feature), enabledByDefault);
    }
}
