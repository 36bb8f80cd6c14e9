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
    private final Map<Counter, Long> counters = new HashMap<>();
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
        synchronized (counters) {
            sweep(Math.floorDiv(now, 60_000L));
            for (int i = 0; i < keys.length; i++) {
                Charge c = charges.get(i);
                if (counters.getOrDefault(keys[i], 0L) + c.amount() > c.limit()) {
                    throw new RateLimitedException(c.org(), c.describe(), c.resetsIn());
                }
            }
            for (int i = 0; i < keys.length; i++) {
                counters.merge(keys[i], charges.get(i).amount(), Long::sum);
            }
        }
        return settlement(charges, keys, request.estimatedTokens());
    }

    private RateLimitPermit settlement(List<Charge> charges, Counter[] keys, long estimate) {
        List<Counter> tokens = new ArrayList<>(2);
        for (int i = 0; i < keys.length; i++) {
            if (charges.get(i).isTokens()) {
                tokens.add(keys[i]);
            }
        }
        if (tokens.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        AtomicBoolean settled = new AtomicBoolean();
        return actual -> {
            if (settled.compareAndSet(false, true)) {
                synchronized (counters) {
                    tokens.forEach(k -> counters.merge(k, actual - estimate, Long::sum));
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
