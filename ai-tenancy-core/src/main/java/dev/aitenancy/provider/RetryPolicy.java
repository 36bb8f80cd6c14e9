package dev.aitenancy.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * How a provider client retries a failure whose code is retryable ({@code AI_PROVIDER_RATE_LIMITED},
 * {@code _OVERLOADED}, {@code _UNAVAILABLE}, {@code _TIMEOUT} — connection errors, 408, 429 that is
 * not a quota problem, 5xx, 529): exponential backoff from {@code initialBackoff}, doubled per attempt
 * up to {@code maxBackoff}, with jitter. A provider's {@code retry-after} (or Gemini's
 * {@code retryDelay}) wins over the backoff; when it asks for more than {@code maxRetryAfter} the
 * client gives up at once and reports it. {@code x-should-retry: false} stops a retry. No other
 * failure is retried, and every retry fits inside the call's deadline (see {@link ProviderSettings}):
 * a wait that would leave no room for the attempt is not started. A stream is retried only before
 * its first token.
 *
 * @param maxAttempts total attempts including the first (1 = no retry)
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {

    /** 3 attempts, 500 ms doubling to 8 s, honouring retry-after up to 30 s. */
    public static final RetryPolicy DEFAULT =
            new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(8), Duration.ofSeconds(30));

    /** One attempt, never retry. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
    }
}
