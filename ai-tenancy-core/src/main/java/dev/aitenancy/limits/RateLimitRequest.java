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
 */
public record RateLimitRequest(OrgId org, String userId, String ip, long estimatedTokens, boolean keyCheck) {

    public RateLimitRequest {
        Objects.requireNonNull(org, "org");
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
