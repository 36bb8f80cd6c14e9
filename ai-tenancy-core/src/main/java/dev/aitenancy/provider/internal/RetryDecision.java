package dev.aitenancy.provider.internal;

import dev.aitenancy.ProviderException;
import dev.aitenancy.provider.RetryPolicy;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether and when to try a failed attempt again. A failure is retried only when its code is
 * retryable, the provider did not answer {@code x-should-retry: false}, the policy has attempts
 * left, the provider's {@code retry-after} (if any) is within the policy's limit, and the wait
 * still leaves room for an attempt before the call's deadline.
 */
final class RetryDecision {

    private final RetryPolicy policy;

    RetryDecision(RetryPolicy policy) {
        this.policy = policy;
    }

    /**
     * How long to wait before attempt {@code attempt + 1}, or empty to report {@code error} now.
     *
     * @param headers the failed response's headers, or null when there was no response
     */
    Optional<Duration> next(ProviderException error, HttpHeaders headers, int attempt, Deadline deadline) {
        if (!error.retryable() || attempt >= policy.maxAttempts() || refusedByServer(headers)) {
            return Optional.empty();
        }
        Duration delay = error.retryAfter().orElse(null);
        if (delay == null) {
            delay = backoff(policy, attempt);
        } else if (delay.compareTo(policy.maxRetryAfter()) > 0) {
            return Optional.empty();
        }
        return deadline.leavesRoomAfter(delay) ? Optional.of(delay) : Optional.empty();
    }

    private static boolean refusedByServer(HttpHeaders headers) {
        return headers != null && headers.firstValue("x-should-retry").map(v -> v.trim().equalsIgnoreCase("false"))
                .orElse(false);
    }

    /** Exponential backoff with jitter: a random delay between half and all of the capped exponent. */
    static Duration backoff(RetryPolicy policy, int attempt) {
        long initial = policy.initialBackoff().toNanos();
        long cap = policy.maxBackoff().toNanos();
        long exp = initial << Math.min(attempt - 1, 30);
        long ceiling = exp <= 0 || exp > cap ? cap : exp;
        if (ceiling <= 1) {
            return Duration.ofNanos(Math.max(ceiling, 0));
        }
        long half = ceiling / 2;
        return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }
}
