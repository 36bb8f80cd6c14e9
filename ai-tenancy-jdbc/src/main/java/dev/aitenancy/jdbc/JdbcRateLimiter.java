package dev.aitenancy.jdbc;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Per-user, per-IP and per-org request limits in one-minute windows, exact across every instance
 * sharing the database. One transaction locks the call's counter rows ({@code SELECT ... FOR
 * UPDATE}, always in the same order, so two calls never deadlock), checks every limit, and counts
 * the call against all of them or none. Missing rows are first inserted in their own transaction;
 * serialization and deadlock failures are retried.
 */
public final class JdbcRateLimiter implements RateLimiter, RateLimitAdmin {

    private record Bucket(String scope, String subject, int limit) {
    }

    private record Refusal(Bucket bucket) {
    }

    private final Jdbi jdbi;
    private final Clock clock;
    private final RateLimitPolicy defaults;
    private final AtomicLong sweptMinute = new AtomicLong();

    JdbcRateLimiter(Jdbi jdbi, Clock clock, RateLimitPolicy defaults) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.defaults = Objects.requireNonNull(defaults, "defaults");
    }

    @Override
    public void acquire(RateLimitRequest request) {
        long nowMillis = clock.millis();
        long minute = Math.floorDiv(nowMillis, 60_000L);
        String org = request.org().value();
        RateLimitPolicy p = policy(request.org());
        List<Bucket> buckets = new ArrayList<>(3);
        add(buckets, "user", request.userId(), p.userRequestsPerMinute());
        add(buckets, "ip", request.ip(), p.ipRequestsPerMinute());
        add(buckets, "org", org, p.orgRequestsPerMinute());
        if (buckets.isEmpty()) {
            return;
        }
        buckets.sort(Comparator.comparing(Bucket::scope).thenComparing(Bucket::subject));
        sweep(minute);
        Optional<Refusal> refusal = Sql.retryingConflicts(() -> count(org, minute, buckets));
        if (refusal.isPresent()) {
            Bucket b = refusal.get().bucket();
            throw new RateLimitedException(org, b.scope() + (b.scope().equals("org") ? "" : " " + b.subject()) + ": "
                    + b.limit() + " requests/minute", Duration.ofMillis((minute + 1) * 60_000L - nowMillis));
        }
    }

    /** One attempt: lock, check, count. Inserts missing rows and starts over when one is missing. */
    private Optional<Refusal> count(String org, long minute, List<Bucket> buckets) {
        while (true) {
            Optional<Optional<Refusal>> outcome = jdbi.inTransaction(h -> {
                List<Integer> hits = new ArrayList<>(buckets.size());
                for (Bucket b : buckets) {
                    Optional<Integer> current = h.createQuery("SELECT hits FROM ai_rate_counters WHERE org_id = :org "
                                    + "AND scope = :scope AND subject = :subject AND window_start = :minute FOR UPDATE")
                            .bind("org", org).bind("scope", b.scope()).bind("subject", b.subject())
                            .bind("minute", minute)
                            .mapTo(Integer.class)
                            .findOne();
                    if (current.isEmpty()) {
                        return Optional.empty();
                    }
                    hits.add(current.get());
                }
                for (int i = 0; i < buckets.size(); i++) {
                    if (hits.get(i) >= buckets.get(i).limit()) {
                        return Optional.of(Optional.of(new Refusal(buckets.get(i))));
                    }
                }
                for (Bucket b : buckets) {
                    increment(h, org, minute, b);
                }
                return Optional.of(Optional.<Refusal>empty());
            });
            if (outcome.isPresent()) {
                return outcome.get();
            }
            for (Bucket b : buckets) {
                Sql.seed(jdbi, "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
                        + "VALUES (:org, :scope, :subject, :minute, 0)", h -> h
                        .bind("org", org).bind("scope", b.scope()).bind("subject", b.subject()).bind("minute", minute));
            }
        }
    }

    private static void increment(Handle h, String org, long minute, Bucket b) {
        h.createUpdate("UPDATE ai_rate_counters SET hits = hits + 1 WHERE org_id = :org AND scope = :scope "
                        + "AND subject = :subject AND window_start = :minute")
                .bind("org", org).bind("scope", b.scope()).bind("subject", b.subject()).bind("minute", minute)
                .execute();
    }

    /** Deletes windows before the previous one, once per minute per instance. */
    private void sweep(long minute) {
        long last = sweptMinute.get();
        if (last != minute && sweptMinute.compareAndSet(last, minute)) {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_rate_counters WHERE window_start < :before")
                    .bind("before", minute - 1)
                    .execute());
        }
    }

    private static void add(List<Bucket> buckets, String scope, String subject, int limit) {
        if (limit > 0 && subject != null) {
            buckets.add(new Bucket(scope, subject, limit));
        }
    }

    @Override
    public void setPolicy(OrgId org, RateLimitPolicy policy) {
        Sql.upsert(jdbi,
                h -> h.createUpdate("UPDATE ai_rate_policies SET user_per_minute = :u, ip_per_minute = :ip, "
                                + "org_per_minute = :o WHERE org_id = :org")
                        .bind("u", policy.userRequestsPerMinute()).bind("ip", policy.ipRequestsPerMinute())
                        .bind("o", policy.orgRequestsPerMinute()).bind("org", org.value())
                        .execute(),
                h -> h.createUpdate("INSERT INTO ai_rate_policies (org_id, user_per_minute, ip_per_minute, "
                                + "org_per_minute) VALUES (:org, :u, :ip, :o)")
                        .bind("u", policy.userRequestsPerMinute()).bind("ip", policy.ipRequestsPerMinute())
                        .bind("o", policy.orgRequestsPerMinute()).bind("org", org.value())
                        .execute());
    }

    @Override
    public RateLimitPolicy policy(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT user_per_minute, ip_per_minute, org_per_minute "
                        + "FROM ai_rate_policies WHERE org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> new RateLimitPolicy(rs.getInt(1), rs.getInt(2), rs.getInt(3)))
                .findOne()
                .orElse(defaults));
    }
}
