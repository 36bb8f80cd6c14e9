package dev.aitenancy.memory;

import dev.aitenancy.contract.RateLimiterContract;
import dev.aitenancy.limits.RateLimitPolicy;
import java.time.Clock;

class InMemoryRateLimiterTest extends RateLimiterContract {

    @Override
    protected Limiter newLimiter(Clock clock, RateLimitPolicy defaults) {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(clock, defaults);
        return new Limiter(limiter, limiter);
    }
}
