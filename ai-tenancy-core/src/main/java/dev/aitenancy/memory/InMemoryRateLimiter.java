package dev.aitenancy.memory;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.spi.Charge;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Request, token and daily limits per user, IP and org (see {@link Charge}), exact within this
 * JVM: all limits are checked and counted under one lock, so a refused call consumes nothing.
 * Users and IPs are counted per org.
 */
public final class InMemoryRateLimiter implements RateLimiter, RateLimitAdmin {

    /** A counter's key; its hash is computed once (every call looks up several of them under the lock). */
    private static final class Counter {
        private final String org;
        private final String scope;
        private final String subject;
        private final long window;
        private final int hash;

        Counter(String org, String scope, String subject, long window) {
            this.org = org;
            this.scope = scope;
            this.subject = subject;
            this.window = window;
            this.hash = ((Objects.hashCode(org) * 31 + Objects.hashCode(scope)) * 31 + Objects.hashCode(subject)) * 31
                    + Long.hashCode(window);
        }

        String scope() {
            return scope;
        }

        long window() {
            return window;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Counter c && hash == c.hash && window == c.window && Objects.equals(org, c.org)
                    && Objects.equals(scope, c.scope) && Objects.equals(subject, c.subject);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final Clock clock;
    private final RateLimitPolicy defaultPolicy;
    private final Map<OrgId, RateLimitPolicy> orgPolicies = new ConcurrentHashMap<>();
    /** What one counter has counted in its window; guarded by {@link #counters}' lock. */
    private static final class Count {
        long used;
    }

    private final Map<Counter, Count> counters = new HashMap<>();
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
    public RateLimitPermit acquire(RateLimitRequest request) {
        long now = clock.millis();
        List<Charge> charges = Charge.of(request, policy(request.org()), now);
        Counter[] keys = new Counter[charges.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(charges.get(i));
        }
        Count[] counts = new Count[keys.length];
        synchronized (counters) {
            sweep(Math.floorDiv(now, 60_000L));
            for (int i = 0; i < keys.length; i++) {
                Charge c = charges.get(i);
                counts[i] = counters.get(keys[i]);
                if ((counts[i] == null ? 0 : counts[i].used) + c.amount() > c.limit()) {
                    throw new RateLimitedException(c.org(), c.describe(), c.resetsIn());
                }
            }
            for (int i = 0; i < keys.length; i++) {
                if (counts[i] == null) {
                    counts[i] = new Count();
                    counters.put(keys[i], counts[i]);
                }
                counts[i].used += charges.get(i).amount();
            }
        }
        return settlement(charges, counts, request.estimatedTokens());
    }

    /**
     * The permit of an admitted call: corrects its token counts, found through the call's own
     * {@link Count}s, so settling looks nothing up (a count of a window swept meanwhile is no longer
     * in the map, and its correction goes nowhere).
     */
    private RateLimitPermit settlement(List<Charge> charges, Count[] counts, long estimate) {
        List<Count> tokens = new ArrayList<>(2);
        for (int i = 0; i < counts.length; i++) {
            if (charges.get(i).isTokens()) {
                tokens.add(counts[i]);
            }
        }
        if (tokens.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        AtomicBoolean settled = new AtomicBoolean();
        return actual -> {
            if (settled.compareAndSet(false, true)) {
                synchronized (counters) {
                    for (Count c : tokens) {
                        c.used += actual - estimate;
                    }
                }
            }
        };
    }

    private static Counter key(Charge c) {
        return new Counter(c.org(), c.scope(), c.subject(), c.window());
    }

    /** Drops past windows, at most once a minute. */
    private void sweep(long minute) {
        if (minute != sweptMinute) {
            long day = Math.floorDiv(minute, 1440L);
            counters.keySet().removeIf(k -> k.scope().endsWith("-day") ? k.window() < day : k.window() < minute);
            sweptMinute = minute;
        }
    }
}
