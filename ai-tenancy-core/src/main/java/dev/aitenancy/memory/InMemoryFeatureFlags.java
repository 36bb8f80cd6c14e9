package dev.aitenancy.memory;

import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.tenant.OrgId;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Feature switches per org in memory. A feature nobody switched is enabled. */
public final class InMemoryFeatureFlags implements FeatureFlagStore {

    private record Slot(OrgId org, String feature) {
    }

    private final Map<Slot, Boolean> flags = new ConcurrentHashMap<>();

    @Override
    public InMemoryFeatureFlags set(OrgId org, String feature, boolean enabled) {
        flags.put(new Slot(Objects.requireNonNull(org), Objects.requireNonNull(feature)), enabled);
        return this;
    }

    @Override
    public boolean isEnabled(OrgId org, String feature) {
        return flags.getOrDefault(new Slot(org, feature), true);
    }

    @Override
    public Map<String, Boolean> flags(OrgId org) {
        Map<String, Boolean> out = new TreeMap<>();
        flags.forEach((slot, on) -> {
            if (slot.org().equals(org)) {
                out.put(slot.feature(), on);
            }
        });
        return out;
    }
}
