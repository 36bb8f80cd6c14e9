package dev.aitenancy.memory;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user, per-IP and per-org request limits in fixed one-minute windows (aligned to the clock's
 * minutes), exact within this JVM. Users and IPs are counted per org. All limits are checked and
 * counted under one lock, so a refused call consumes nothing.
 */
public final class InMemoryRateLimiter implements RateLimiter, RateLimitAdmin {

    private record Bucket(String org, String scope, String id) {
    }

    private static final class Window {
        long minute;
        int count;
    }

    private final Clock clock;
    private final RateLimitPolicy defaultPolicy;
    private final Map<OrgId, RateLimitPolicy> orgPolicies = new ConcurrentHashMap<>();
    private final Map<Bucket, Window> windows = new HashMap<>();
    private long sweptMinute;

    public InMemoryRateLimiter(Clock clock, RateLimitPolicy defaultPolicy) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.defaultPolicy = Objects.requireNonNull(defaultPolicy, "defaultPolicy");
    }

    /** The default policy (30/min per user, 60/min per IP) on the system clock. */
    public InMemoryRateLimiter() {
        this(Clock.systemUTC(), RateLimitPolicy.DEFAULT);
    }

    @Override
    public void setPolicy(OrgId org, RateLimitPolicy policy) {
        orgPolicies.put(Objects.requireNonNull(org), Objects.requireNonNull(policy));
    }

    @Override
    public RateLimitPolicy policy(OrgId org) {
        return orgPolicies.getOrDefault(org, defaultPolicy);
    }

    @Override
    public void acquire(RateLimitRequest request) {
        RateLimitPolicy p = policy(request.org());
        long nowMillis = clock.millis();
        long minute = Math.floorDiv(nowMillis, 60_000L);
        String org = request.org().value();
        List<Bucket> buckets = new ArrayList<>(3);
        List<Integer> limits = new ArrayList<>(3);
        add(buckets, limits, new Bucket(org, "user", request.userId()), p.userRequestsPerMinute());
        add(buckets, limits, new Bucket(org, "ip", request.ip()), p.ipRequestsPerMinute());
        add(buckets, limits, new Bucket(org, "org", org), p.orgRequestsPerMinute());
        synchronized (windows) {
            sweep(minute);
            for (int i = 0; i < buckets.size(); i++) {
                Window w = windows.get(buckets.get(i));
                int used = w == null || w.minute != minute ? 0 : w.count;
                if (used >= limits.get(i)) {
                    Bucket b = buckets.get(i);
                    Duration retryAfter = Duration.ofMillis((minute + 1) * 60_000L - nowMillis);
                    throw new RateLimitedException(org,
                            b.scope() + (b.scope().equals("org") ? "" : " " + b.id()) + ": " + limits.get(i)
                                    + " requests/minute",
                            retryAfter);
                }
            }
            for (Bucket b : buckets) {
                Window w = windows.computeIfAbsent(b, k -> new Window());
                if (w.minute != minute) {
                    w.minute = minute;
                    w.count = 0;
                }
                w.count++;
            }
        }
    }

    private static void add(List<Bucket> buckets, List<Integer> limits, Bucket b, int limit) {
        if (limit > 0 && b.id() != null) {
            buckets.add(b);
            limits.add(limit);
        }
    }

    /** Drops windows of past minutes, at most once a minute. */
    private void sweep(long minute) {
        if (minute != sweptMinute) {
            windows.values().removeIf(w -> w.minute < minute);
            sweptMinute = minute;
        }
    }
}
