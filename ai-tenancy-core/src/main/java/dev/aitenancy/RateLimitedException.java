package dev.aitenancy;

import java.time.Duration;
import java.util.Objects;

/** A rate limit of this library refused the call. {@link #retryAfter()} says when a retry can pass. */
public final class RateLimitedException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    private final String limit;
    private final Duration retryAfter;

    /**
     * @param limit      which limit refused, for example {@code user:alice requests/minute}
     * @param retryAfter how long until the limit admits a call again
     */
    public RateLimitedException(String orgId, String limit, Duration retryAfter) {
        super(ErrorCode.AI_RATE_LIMITED, orgId,
                "Rate limit " + limit + " reached; retry after " + Math.max(1, retryAfter.toSeconds()) + "s", null);
        this.limit = Objects.requireNonNull(limit, "limit");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** The limit that refused the call. */
    public String limit() {
        return limit;
    }

    /** How long until the limit admits a call again. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
