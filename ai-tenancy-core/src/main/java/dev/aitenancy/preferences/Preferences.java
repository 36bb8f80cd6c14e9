package dev.aitenancy.preferences;

import dev.aitenancy.tenant.OrgId;

/**
 * What a call reads of the stored AI preferences: the org's defaults and the calling user's own.
 * {@link dev.aitenancy.LLMJob} needs only this; changing them is {@link PreferenceStore}'s.
 * Both reads answer {@link AiPreferences#NONE} when nothing is set, never null.
 */
public interface Preferences {

    /** The org's defaults. */
    AiPreferences org(OrgId org);

    /**
     * The user's own preferences in the org (not merged with the org's: see {@link PreferenceMerge}).
     *
     * @throws dev.aitenancy.InvalidRequestException {@code AI_INVALID_REQUEST} for a blank user id, one
     *         over {@link dev.aitenancy.JobRequest#MAX_USER_ID_LENGTH} characters or with control
     *         characters
     */
    AiPreferences user(OrgId org, String userId);

    /** Nothing set anywhere: every read answers {@link AiPreferences#NONE}. */
    static Preferences none() {
        return NoPreferences.INSTANCE;
    }
}
