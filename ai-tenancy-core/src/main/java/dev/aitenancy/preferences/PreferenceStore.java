package dev.aitenancy.preferences;

import dev.aitenancy.tenant.OrgId;

/**
 * AI preferences per org and per user, as org admins and users change them; a call reads them
 * through {@link Preferences}. Each write replaces the level's preferences whole (parts left null
 * are not set afterwards); writing {@link AiPreferences#NONE} removes them. Writes to one org or
 * user from many threads or instances never mix: a read sees one written value, whole.
 *
 * <p>User ids are not blank, at most {@link dev.aitenancy.JobRequest#MAX_USER_ID_LENGTH} characters
 * and free of control characters; others are refused with {@code AI_INVALID_REQUEST}
 * ({@link dev.aitenancy.spi.PreferenceChecks}). A store that cannot reach its backend fails with
 * {@link dev.aitenancy.StoreException} ({@code AI_STORE_UNAVAILABLE}).
 *
 * <p>Implementations: {@link dev.aitenancy.memory.InMemoryPreferenceStore} and the JDBC module's
 * {@code JdbcPreferenceStore}; both pass the same contract test.
 */
public interface PreferenceStore extends Preferences {

    /** Replaces the org's defaults; {@link AiPreferences#NONE} removes them. */
    void setOrg(OrgId org, AiPreferences preferences);

    /** Replaces the user's own preferences in the org; {@link AiPreferences#NONE} removes them. */
    void setUser(OrgId org, String userId, AiPreferences preferences);

    /** Removes the user's own preferences in the org (the org's defaults apply to them again). */
    void clearUser(OrgId org, String userId);
}
