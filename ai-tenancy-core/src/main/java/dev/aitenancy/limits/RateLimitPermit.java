package dev.aitenancy.limits;

/** An admitted call's hold on the limits, corrected once the actual token count is known. */
@FunctionalInterface
public interface RateLimitPermit {

    /** A permit with nothing to correct. */
    RateLimitPermit NONE = actualTokens -> {
    };

    /**
     * Replaces the call's token estimate with what it actually used (the provider's input plus
     * output tokens). Call at most once; unknown usage keeps the estimate.
     */
    void settle(long actualTokens);
}
