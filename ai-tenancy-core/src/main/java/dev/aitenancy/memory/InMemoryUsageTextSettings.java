package dev.aitenancy.memory;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageTextSettings;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Per-org switches for storing usage text, in memory. */
public final class InMemoryUsageTextSettings implements UsageTextSettings {

    private final Map<OrgId, Boolean> settings = new ConcurrentHashMap<>();

    @Override
    public InMemoryUsageTextSettings setStoresText(OrgId org, boolean store) {
        settings.put(Objects.requireNonNull(org, "org"), store);
        return this;
    }

    @Override
    public Optional<Boolean> explicitSetting(OrgId org) {
        return Optional.ofNullable(settings.get(org));
    }
}
