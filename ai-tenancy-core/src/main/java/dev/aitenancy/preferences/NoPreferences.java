package dev.aitenancy.preferences;

import dev.aitenancy.tenant.OrgId;

/** {@link Preferences#none()}: nothing set anywhere. */
final class NoPreferences implements Preferences {

    static final NoPreferences INSTANCE = new NoPreferences();

    private NoPreferences() {
    }

    @Override
    public AiPreferences org(OrgId org) {
        return AiPreferences.NONE;
    }

    @Override
    public AiPreferences user(OrgId org, String userId) {
        return AiPreferences.NONE;
    }

    @Override
    public String toString() {
        return "Preferences.none()";
    }
}
