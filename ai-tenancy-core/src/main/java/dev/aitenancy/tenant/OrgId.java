package dev.aitenancy.tenant;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;

/** The id of an organization (tenant) of the host application. */
public record OrgId(String value) implements OrgRef, Comparable<OrgId> {

    /** Longest id accepted; the JDBC tables size their column to it. */
    public static final int MAX_LENGTH = 128;

    public OrgId {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "an org id must not be blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "an org id must be at most " + MAX_LENGTH + " characters, was " + value.length());
        }
    }

    public static OrgId of(String value) {
        return new OrgId(value);
    }

    @Override
    public String orgId() {
        return value;
    }

    @Override
    public int compareTo(OrgId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
