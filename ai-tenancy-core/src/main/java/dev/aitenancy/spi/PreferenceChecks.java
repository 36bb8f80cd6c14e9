package dev.aitenancy.spi;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.tenant.OrgId;

/**
 * The checks every {@link dev.aitenancy.preferences.PreferenceStore} makes before it reads or
 * writes, so each store refuses the same requests with the same {@code AI_INVALID_REQUEST} message.
 */
public final class PreferenceChecks {

    private PreferenceChecks() {
    }

    /**
     * A user id whose preferences are read or written: not blank, at most
     * {@link JobRequest#MAX_USER_ID_LENGTH} characters, no control characters.
     */
    public static String userId(OrgId org, String userId) {
        return UserIds.check(org, userId, "a user's preferences need the user id; give one that is not blank");
    }

    private static InvalidRequestException invalid(OrgId org, String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(), message);
    }
}
