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

    /** 30 requests a minute per user, 60 per IP, 5 key checks a minute per user, nothing else limited. */
    public static final RateLimitPolicy DEFAULT = builder().build();

    public RateLimitPolicy {
        atLeastZero("userRequestsPerMinute", userRequestsPerMinute);
        atLeastZero("ipRequestsPerMinute", ipRequestsPerMinute);
        atLeastZero("orgRequestsPerMinute", orgRequestsPerMinute);
        atLeastZero("userTokensPerMinute", userTokensPerMinute);
        atLeastZero("orgTokensPerMinute", orgTokensPerMinute);
        atLeastZero("userRequestsPerDay", userRequestsPerDay);
        atLeastZero("orgRequestsPerDay", orgRequestsPerDay);
        atLeastZero("userKeyChecksPerMinute", userKeyChecksPerMinute);
    }

    private static void atLeastZero(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " is " + value + "; limits must be >= 0 (0 = unlimited)");
        }
    }

    /** Request limits per minute only. */
    public RateLimitPolicy(int userRequestsPerMinute, int ipRequestsPerMinute, int orgRequestsPerMinute) {
        this(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute, 0, 0, 0, 0, 5);
    }

    /**
     * A policy starting from {@link #DEFAULT}'s values, e.g.
     * {@code RateLimitPolicy.builder().userRequestsPerMinute(10).orgTokensPerMinute(200_000).build()}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.userRequestsPerMinute = userRequestsPerMinute;
        b.ipRequestsPerMinute = ipRequestsPerMinute;
        b.orgRequestsPerMinute = orgRequestsPerMinute;
        b.userTokensPerMinute = userTokensPerMinute;
        b.orgTokensPerMinute = orgTokensPerMinute;
        b.userRequestsPerDay = userRequestsPerDay;
        b.orgRequestsPerDay = orgRequestsPerDay;
        b.userKeyChecksPerMinute = userKeyChecksPerMinute;
        return b;
    }

    public RateLimitPolicy withTokensPerMinute(long perUser, long perOrg) {
        return toBuilder().userTokensPerMinute(perUser).orgTokensPerMinute(perOrg).build();
    }

    public RateLimitPolicy withRequestsPerDay(int perUser, int perOrg) {
        return toBuilder().userRequestsPerDay(perUser).orgRequestsPerDay(perOrg).build();
    }

    public RateLimitPolicy withKeyChecksPerMinute(int perUser) {
        return toBuilder().userKeyChecksPerMinute(perUser).build();
    }

    /** Builds a {@link RateLimitPolicy}; every limit is checked when built. 0 means unlimited. */
    public static final class Builder {
        private int userRequestsPerMinute = 30;
        private int ipRequestsPerMinute = 60;
        private int orgRequestsPerMinute;
        private long userTokensPerMinute;
        private long orgTokensPerMinute;
        private int userRequestsPerDay;
        private int orgRequestsPerDay;
        private int userKeyChecksPerMinute = 5;

        private Builder() {
        }

        public Builder userRequestsPerMinute(int n) {
            this.userRequestsPerMinute = n;
            return this;
        }

        public Builder ipRequestsPerMinute(int n) {
            this.ipRequestsPerMinute = n;
            return this;
        }

        public Builder orgRequestsPerMinute(int n) {
            this.orgRequestsPerMinute = n;
            return this;
        }

        public Builder userTokensPerMinute(long n) {
            this.userTokensPerMinute = n;
            return this;
        }

        public Builder orgTokensPerMinute(long n) {
            this.orgTokensPerMinute = n;
            return this;
        }

        public Builder userRequestsPerDay(int n) {
            this.userRequestsPerDay = n;
            return this;
        }

        public Builder orgRequestsPerDay(int n) {
            this.orgRequestsPerDay = n;
            return this;
        }

        public Builder userKeyChecksPerMinute(int n) {
            this.userKeyChecksPerMinute = n;
            return this;
        }

        public RateLimitPolicy build() {
            return new RateLimitPolicy(userRequestsPerMinute, ipRequestsPerMinute, orgRequestsPerMinute,
                    userTokensPerMinute, orgTokensPerMinute, userRequestsPerDay, orgRequestsPerDay,
                    userKeyChecksPerMinute);
        }
    }
}
