package dev.aitenancy.limits;

/**
 * Admits or refuses calls per user, per IP and per org. A refused call consumes nothing: all
 * limits admit it or none counts it.
 */
public interface RateLimiter {

    /**
     * Counts the call against every limit that applies (requests, estimated tokens, daily caps).
     *
     * @return the call's hold, to correct the token estimate after the call
     * @throws dev.aitenancy.RateLimitedException naming the limit that refused and when to retry
     */
    RateLimitPermit acquire(RateLimitRequest request);

    /** A limiter that admits everything. */
    static RateLimiter unlimited() {
        return request -> RateLimitPermit.NONE;
    }
}
