package dev.aitenancy.limits;

import dev.aitenancy.tenant.OrgId;
import java.util.Objects;

/**
 * One call asking to pass the rate limits.
 *
 * @param userId          the calling user, or null
 * @param ip              the caller's IP address, or null
 * @param estimatedTokens input estimate plus output cap, for token limits
 */
public record RateLimitRequest(OrgId org, String userId, String ip, long estimatedTokens) {

    public RateLimitRequest {
        Objects.requireNonNull(org, "org");
    }
}
