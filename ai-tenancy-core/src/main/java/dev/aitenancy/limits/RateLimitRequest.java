package dev.aitenancy.limits;

import dev.aitenancy.tenant.OrgId;
import java.util.Objects;

/**
 * One call asking to pass the rate limits.
 *
 * @param userId          the calling user, or null
 * @param ip              the caller's IP address, or null
 * @param estimatedTokens input estimate plus output cap, for token limits
 * @param keyCheck        true for a check of a provider key (its own small per-user limit),
 *                        false for a generation call
 * @param userRequestsPerMinuteCap a lower per-user limit for this call's user (from a rate-limit
 *                        guardrail), or 0; the lower of it and the org's policy holds
 */
public record RateLimitRequest(OrgId org, String userId, String ip, long estimatedTokens, boolean keyCheck,
        int userRequestsPerMinuteCap) {

    public RateLimitRequest {
        Objects.requireNonNull(org, "org");
        if (userRequestsPerMinuteCap < 0) {
            throw new IllegalArgumentException("userRequestsPerMinuteCap must be >= 0 (0 = none)");
        }
    }

    public RateLimitRequest(OrgId org, String userId, String ip, long estimatedTokens, boolean keyCheck) {
        this(org, userId, ip, estimatedTokens, keyCheck, 0);
    }

    /** This request with its user held to at most {@code perMinute} requests a minute (0: no cap). */
    public RateLimitRequest withUserRequestsPerMinuteCap(int perMinute) {
        return new RateLimitRequest(org, userId, ip, estimatedTokens, keyCheck, perMinute);
    }

    /** A generation call. */
    public RateLimitRequest(OrgId org, String userId, String ip, long estimatedTokens) {
        this(org, userId, ip, estimatedTokens, false);
    }

    /** A check of a provider key by a user. */
    public static RateLimitRequest keyCheck(OrgId org, String userId) {
        return new RateLimitRequest(org, userId, null, 0, true);
    }
}
