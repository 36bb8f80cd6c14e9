package dev.aitenancy.limits;

/**
 * Requests per minute allowed per user, per IP and per org; 0 means no limit.
 *
 * @param userRequestsPerMinute default 30
 * @param ipRequestsPerMinute   default 60
 * @param orgRequestsPerMinute  default unlimited
 */
public record RateLimitPolicy(int userRequestsPerMinute, int ipRequestsPerMinute, int orgRequestsPerMinute) {

    public static final RateLimitPolicy DEFAULT = new RateLimitPolicy(30, 60, 0);

    public RateLimitPolicy {
        if (userRequestsPerMinute < 0 || ipRequestsPerMinute < 0 || orgRequestsPerMinute < 0) {
            throw new IllegalArgumentException("limits must be >= 0 (0 = unlimited)");
        }
    }
}
