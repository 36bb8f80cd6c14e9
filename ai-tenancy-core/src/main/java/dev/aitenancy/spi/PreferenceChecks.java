package dev.aitenancy.spi;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.tenant.OrgId;
import java.util.Objects;

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
        Objects.requireNonNull(org, "org");
        if (userId == null || userId.isBlank()) {
            throw invalid(org, "a user's preferences need the user id; give one that is not blank");
        }
        if (userId.length() > JobRequest.MAX_USER_ID_LENGTH) {
            throw invalid(org, "the user id is " + userId.length() + " characters long; at most "
                    + JobRequest.MAX_USER_ID_LENGTH + " are accepted");
        }
        if (userId.chars().anyMatch(Character::isISOControl)) {
            throw invalid(org, "the user id contains control characters; use printable characters only");
        }
        return userId;
    }

    private static InvalidRequestException invalid(OrgId org, String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(), message);
    }
}
