package dev.aitenancy.limits;

/**
 * Admits or refuses calls per user, per IP and per org. A refused call consumes nothing: all
 * limits admit it or none counts it.
 */
public interface RateLimiter {

    /**
     * Counts the call against every limit that applies.
     *
     * @throws dev.aitenancy.RateLimitedException naming the limit that refused and when to retry
     */
    void acquire(RateLimitRequest request);

    /** A limiter that admits everything. */
    static RateLimiter unlimited() {
        return request -> {
        };
    }
}
