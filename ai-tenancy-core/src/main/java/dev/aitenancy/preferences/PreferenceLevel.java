package dev.aitenancy.preferences;

import java.util.Locale;

/** Where a preference that applied to a call was set, from the strongest to the weakest. */
public enum PreferenceLevel {
    /** The call itself ({@link dev.aitenancy.JobRequest}). */
    REQUEST,
    /** The calling user's own preferences. */
    USER,
    /** The org's defaults, set by an org admin. */
    ORG;

    /** The name in {@link EffectivePreferences#applied()}: {@code request}, {@code user} or {@code org}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
