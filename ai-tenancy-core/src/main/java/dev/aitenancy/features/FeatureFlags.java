package dev.aitenancy.features;

import dev.aitenancy.tenant.OrgId;

/**
 * Which features each org may use. A feature is the host's name for a use of AI
 * ({@code generic-text}, {@code support-reply}); a call for a disabled feature fails fast with
 * {@code AI_FEATURE_DISABLED} before any other work.
 */
@FunctionalInterface
public interface FeatureFlags {

    boolean isEnabled(OrgId org, String feature);

    /** Every feature enabled for every org. */
    static FeatureFlags allEnabled() {
        return (org, feature) -> true;
    }
}
