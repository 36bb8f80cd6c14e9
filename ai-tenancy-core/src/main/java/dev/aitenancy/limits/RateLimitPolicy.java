package dev.aitenancy.limits;

/**
 * An org's limits; 0 means no limit.
 *
 * @param userRequestsPerMinute default 30
 * @param ipRequestsPerMinute   default 60
 * @param orgRequestsPerMinute  default unlimited
 * @param userTokensPerMinute   input estimate plus output cap per user, corrected to the actual
 *                              tokens after the call; default unlimited
 * @param orgTokensPerMinute    the same for the whole org; default unlimited
 * @param userRequestsPerDay    per UTC day; default unlimited
 * @param orgRequestsPerDay     per UTC day; default unlimited
 * @param userKeyChecksPerMinute checks of provider keys per user; default 5
 */
public record RateLimitPolicy(int userRequestsPerMinute, int ipRequestsPerMinute, int orgRequestsPerMinute,
        long userTokensPerMinute, long orgTokensPerMinute, int userRequestsPerDay, int orgRequestsPerDay,
        int userKeyChecksPerMinute) {

    public static final RateLimitPolicy DEFAULT = new RateLimitPolicy(30, 60, 0);

    public RateLimitPolicy {
        if (userRequestsPerMinute < 0 || ipRequestsPerMinute < 0 || orgRequestsPerMinute < 0
                || userTokensPerMinute < 0 || orgTokensPerMinute < 0 || userRequestsPerDay < 0
                || orgRequestsPerDay < 0 || userKeyChecksPerMinute < 0) {
            throw new IllegalArgumentException("limits must be >= 0 (0 = unlimited)");
        }
    }

    /** Request limits per minute only. */
    public RateLimitPolicy(int userRequestsPerMinute, int ipRequestsPerMinute, int orgRequestsPerMinute) {
        this(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute, 0, 0, 0, 0, 5);
    }

    public RateLimitPolicy withTokensPerMinute(long perUser, long perOrg) {
        return new RateLimitPolicy(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute, perUser, perOrg,
                userRequestsPerDay, orgRequestsPerDay, userKeyChecksPerMinute);
    }

    public RateLimitPolicy withRequestsPerDay(int perUser, int perOrg) {
        return new RateLimitPolicy(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute,
                userTokensPerMinute, orgTokensPerMinute, perUser, perOrg, userKeyChecksPerMinute);
    }

    public RateLimitPolicy withKeyChecksPerMinute(int perUser) {
        return new RateLimitPolicy(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute,
                userTokensPerMinute, orgTokensPerMinute, userRequestsPerDay, orgRequestsPerDay, perUser);
    }
}
