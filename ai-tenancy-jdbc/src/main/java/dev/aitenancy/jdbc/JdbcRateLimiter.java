package dev.aitenancy.jdbc;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.spi.Charge;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Request, token and daily limits per user, IP and org (see {@link Charge}), exact across every
 * instance sharing the database. One transaction counts the call against all of its counter rows,
 * always in the same order so two calls never deadlock, and keeps the counts only when every limit
 * admits the call: on PostgreSQL each row is one {@code INSERT ... ON CONFLICT DO UPDATE ...
 * RETURNING} and a refusal rolls the transaction back; on H2 the rows are locked with {@code
 * SELECT ... FOR UPDATE} and checked before they are updated, missing rows being inserted first
 * in their own transaction. Serialization and deadlock failures are retried. Token counts are
 * corrected to the actual usage through the returned permit.
 */
public final class JdbcRateLimiter implements RateLimiter, RateLimitAdmin {

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final Clock clock;
    private final RateLimitPolicy defaults;
    private final AtomicLong sweptMinute = new AtomicLong();
    private final dev.aitenancy.spi.TtlCache<OrgId, RateLimitPolicy> policies;

    JdbcRateLimiter(Jdbi jdbi, Dialect dialect, Clock clock, RateLimitPolicy defaults, java.time.Duration policyTtl) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.clock = clock;
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.policies = new dev.aitenancy.spi.TtlCache<>(policyTtl, clock, 10_000);
    }

    @Override
    public RateLimitPermit acquire(RateLimitRequest request) {
        long now = clock.millis();
        List<Charge> charges = Charge.of(request, policies.get(request.org(), this::policy), now);
        if (charges.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        sweep(Math.floorDiv(now, 60_000L));
        Optional<Charge> refused = Sql.retryingConflicts(() -> dialect == Dialect.POSTGRESQL
                ? countByUpsert(charges) : count(charges));
        if (refused.isPresent()) {
            Charge c = refused.get();
            throw new RateLimitedException(c.org(), c.describe(), c.resetsIn());
        }
        List<Charge> tokens = charges.stream().filter(Charge::isTokens).toList();
        if (tokens.isEmpty()) {
            return RateLimitPermit.NONE;
        }
        long estimate = request.estimatedTokens();
        AtomicBoolean settled = new AtomicBoolean();
        return actual -> {
            if (settled.compareAndSet(false, true) && actual != estimate) {
                Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
                    tokens.forEach(c -> add(h, c, actual - estimate));
                    return null;
                }));
            }
        };
    }

    /** One attempt on PostgreSQL: count every row, roll all of it back when one goes over its limit. */
    private Optional<Charge> countByUpsert(List<Charge> charges) {
        try {
            jdbi.useTransaction(h -> {
                for (Charge c : charges) {
                    long hits = h.createQuery("INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, "
                                    + "hits) VALUES (:org, :scope, :subject, :window, :amount) ON CONFLICT (org_id, "
                                    + "scope, subject, window_start) DO UPDATE SET hits = ai_rate_counters.hits + "
                                    + "EXCLUDED.hits RETURNING hits")
                            .bind("org", c.org()).bind("scope", c.scope()).bind("subject", c.subject())
                            .bind("window", c.window()).bind("amount", c.amount())
                            .mapTo(Long.class)
                            .one();
                    if (hits > c.limit()) {
                        throw new Refused(c);
                    }
                }
            });
            return Optional.empty();
        } catch (Refused r) {
            return Optional.of(r.charge);
        }
    }

    /** Rolls back the counting transaction of a refused call. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Charge charge;

        Refused(Charge charge) {
            super(null, null, false, false);
            this.charge = charge;
        }
    }

    /** One attempt on H2: lock, check, count; inserts missing rows and starts over when one is missing. */
    private Optional<Charge> count(List<Charge> charges) {
        while (true) {
            Optional<Optional<Charge>> outcome = jdbi.inTransaction(h -> {
                List<Long> used = new ArrayList<>(charges.size());
                for (Charge c : charges) {
                    Optional<Long> current = h.createQuery("SELECT hits FROM ai_rate_counters WHERE org_id = :org "
                                    + "AND scope = :scope AND subject = :subject AND window_start = :window FOR UPDATE")
                            .bind("org", c.org()).bind("scope", c.scope()).bind("subject", c.subject())
                            .bind("window", c.window())
                            .mapTo(Long.class)
                            .findOne();
                    if (current.isEmpty()) {
                        return Optional.empty();
                    }
                    used.add(current.get());
                }
                for (int i = 0; i < charges.size(); i++) {
                    if (used.get(i) + charges.get(i).amount() > charges.get(i).limit()) {
                        return Optional.of(Optional.of(charges.get(i)));
                    }
                }
                charges.forEach(c -> add(h, c, c.amount()));
                return Optional.of(Optional.<Charge>empty());
            });
            if (outcome.isPresent()) {
                return outcome.get();
            }
            for (Charge c : charges) {
                Sql.seed(jdbi, "INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
                        + "VALUES (:org, :scope, :subject, :window, 0)", u -> u
                        .bind("org", c.org()).bind("scope", c.scope()).bind("subject", c.subject())
                        .bind("window", c.window()));
            }
        }
    }

    private static void add(Handle h, Charge c, long amount) {
        h.createUpdate("UPDATE ai_rate_counters SET hits = hits + :amount WHERE org_id = :org AND scope = :scope "
                        + "AND subject = :subject AND window_start = :window")
                .bind("amount", amount).bind("org", c.org()).bind("scope", c.scope()).bind("subject", c.subject())
                .bind("window", c.window())
                .execute();
    }

    /** Deletes past windows (minutes and days), once per minute per instance. */
    private void sweep(long minute) {
        long last = sweptMinute.get();
        if (last != minute && sweptMinute.compareAndSet(last, minute)) {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM ai_rate_counters WHERE "
                            + "(scope LIKE '%-day' AND window_start < :day) OR (scope NOT LIKE '%-day' AND window_start < :minute)")
                    .bind("day", Math.floorDiv(minute, 1440L) - 1)
                    .bind("minute", minute - 1)
                    .execute());
        }
    }

    @Override
    public void setPolicy(OrgId org, RateLimitPolicy p) {
        Sql.upsert(jdbi,
                h -> bind(h.createUpdate("UPDATE ai_rate_policies SET user_per_minute = :u, ip_per_minute = :ip, "
                        + "org_per_minute = :o, user_tokens_per_minute = :ut, org_tokens_per_minute = :ot, "
                        + "user_per_day = :ud, org_per_day = :od, user_key_checks = :kc WHERE org_id = :org"), org, p).execute(),
                h -> bind(h.createUpdate("INSERT INTO ai_rate_policies (org_id, user_per_minute, ip_per_minute, "
                        + "org_per_minute, user_tokens_per_minute, org_tokens_per_minute, user_per_day, org_per_day, "
                        + "user_key_checks) VALUES (:org, :u, :ip, :o, :ut, :ot, :ud, :od, :kc)"), org, p).execute());
        policies.invalidateIf(org::equals);
    }

    private static org.jdbi.v3.core.statement.Update bind(org.jdbi.v3.core.statement.Update u, OrgId org,
            RateLimitPolicy p) {
        return u.bind("org", org.value()).bind("u", p.userRequestsPerMinute()).bind("ip", p.ipRequestsPerMinute())
                .bind("o", p.orgRequestsPerMinute()).bind("ut", p.userTokensPerMinute())
                .bind("ot", p.orgTokensPerMinute()).bind("ud", p.userRequestsPerDay()).bind("od", p.orgRequestsPerDay())
                .bind("kc", p.userKeyChecksPerMinute());
    }

    @Override
    public RateLimitPolicy policy(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_rate_policies WHERE org_id = :org")
                .bind("org", org.value())
                .map((rs, ctx) -> new RateLimitPolicy(rs.getInt("user_per_minute"), rs.getInt("ip_per_minute"),
                        rs.getInt("org_per_minute"), rs.getLong("user_tokens_per_minute"),
                        rs.getLong("org_tokens_per_minute"), rs.getInt("user_per_day"), rs.getInt("org_per_day"),
                        rs.getInt("user_key_checks")))
                .findOne()
                .orElse(defaults));
    }
}
