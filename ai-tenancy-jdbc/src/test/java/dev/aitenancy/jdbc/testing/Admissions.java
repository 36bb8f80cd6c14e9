package dev.aitenancy.jdbc.testing;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.testing.Concurrently;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** What many threads calling rate limiters at once were told: admitted or refused, counted. */
public record Admissions(int admitted, int refused) {

    /**
     * {@code threads} threads each make {@code calls} calls of {@code request} on the limiter
     * {@code limiterOf} picks for the thread's index.
     */
    public static Admissions hammer(int threads, int calls, IntFunction<? extends RateLimiter> limiterOf,
            RateLimitRequest request) throws Exception {
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Concurrently.run(threads, t -> {
            RateLimiter limiter = limiterOf.apply(t);
            for (int i = 0; i < calls; i++) {
                try {
                    limiter.acquire(request);
                    admitted.incrementAndGet();
                } catch (RateLimitedException e) {
                    refused.incrementAndGet();
                }
            }
        });
        return new Admissions(admitted.get(), refused.get());
    }
}
