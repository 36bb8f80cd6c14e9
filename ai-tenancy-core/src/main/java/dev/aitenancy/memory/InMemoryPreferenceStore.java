package dev.aitenancy.memory;

import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.spi.PreferenceChecks;
import dev.aitenancy.tenant.OrgId;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** AI preferences per org and user in memory; each level's preferences replaced whole by a write. */
public final class InMemoryPreferenceStore implements PreferenceStore {

    /** One level: the org's own ({@code userId} null) or one user's. */
    private record Slot(OrgId org, String userId) {
    }

    private final Map<Slot, AiPreferences> preferences = new ConcurrentHashMap<>();

    @Override
    public AiPreferences org(OrgId org) {
        return read(new Slot(Objects.requireNonNull(org, "org"), null));
    }

    @Override
    public AiPreferences user(OrgId org, String userId) {
        return read(new Slot(org, PreferenceChecks.userId(org, userId)));
    }

    @Override
    public void setOrg(OrgId org, AiPreferences preferences) {
        write(new Slot(Objects.requireNonNull(org, "org"), null), preferences);
    }

    @Override
    public void setUser(OrgId org, String userId, AiPreferences preferences) {
        write(new Slot(org, PreferenceChecks.userId(org, userId)), preferences);
    }

    @Override
    public void clearUser(OrgId org, String userId) {
        write(new Slot(org, PreferenceChecks.userId(org, userId)), AiPreferences.NONE);
    }

    private AiPreferences read(Slot slot) {
        return preferences.getOrDefault(slot, AiPreferences.NONE);
    }

    private void write(Slot slot, AiPreferences value) {
        Objects.requireNonNull(value, "preferences (AiPreferences.NONE for none)");
        if (value.isEmpty()) {
            preferences.remove(slot);
        } else {
            preferences.put(slot, value);
        }
    }
}
