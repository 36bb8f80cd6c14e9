package dev.aitenancy.spi;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.tenant.OrgId;
import java.util.Objects;

/** The check of a user id a store keys its rows by, shared by the stores so they refuse alike. */
public final class UserIds {

    private UserIds() {
    }

    /**
     * {@code userId}, when it is not blank, at most {@link JobRequest#MAX_USER_ID_LENGTH} characters
     * and free of control characters.
     *
     * @param whenBlank what the refusal of a blank id says to do
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} otherwise
     */
    public static String check(OrgId org, String userId, String whenBlank) {
        Objects.requireNonNull(org, "org");
        if (userId == null || userId.isBlank()) {
            throw invalid(org, whenBlank);
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
