package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import dev.aitenancy.testing.Concurrently;
import org.junit.jupiter.api.Test;

/** What every rate limiter must do: exact counts, all-or-nothing admission, honest retry-after. */
public abstract class RateLimiterContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");

    /** A limiter and its policy side over the same fresh, empty storage. */
    public record Limiter(RateLimiter limiter, RateLimitAdmin admin) {
    }

    protected abstract Limiter newLimiter(Clock clock, RateLimitPolicy defaults);

    protected final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:15Z"));

    static RateLimitRequest call(OrgId org, String user, String ip) {
        return new RateLimitRequest(org, user, ip, 100);
    }

    @Test
    void theUserLimitRefusesWithTheTimeToTheNextWindowAndResetsThere() {
        Limiter l = newLimiter(clock, new RateLimitPolicy(2, 60, 0));

        l.limiter().acquire(call(ACME, "alice", "10.0.0.1"));
        l.limiter().acquire(call(ACME, "alice", "10.0.0.1"));
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(ACME, "alice", "10.0.0.1")));
        l.limiter().acquire(call(ACME, "bob", "10.0.0.1"));
        clock.advance(Duration.ofSeconds(45));
        l.limiter().acquire(call(ACME, "alice", "10.0.0.1"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_RATE_LIMITED);
        assertThat(e.limit()).contains("user alice").contains("2 requests/minute");
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(45));
        assertThat(e.orgId()).isEqualTo("acme");
    }

    @Test
    void aGuardrailCapLowersTheUserLimitExactlyUnderConcurrencyAndNeverRaisesIt() throws Exception {
        Limiter l = newLimiter(clock, new RateLimitPolicy(10, 0, 0));
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();

        Concurrently.run(16, t -> {
            for (int i = 0; i < 5; i++) {
                try {
                    l.limiter().acquire(call(ACME, "intern", null).withUserRequestsPerMinuteCap(7));
                    admitted.incrementAndGet();
                } catch (RateLimitedException e) {
                    assertThat(e.limit()).contains("user intern: 7 requests/minute");
                    refused.incrementAndGet();
                }
            }
        });
        for (int i = 0; i < 10; i++) {
            l.limiter().acquire(call(ACME, "lead", null).withUserRequestsPerMinuteCap(50));
        }
        RateLimitedException lead = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(ACME, "lead", null).withUserRequestsPerMinuteCap(50)));

        assertThat(admitted.get()).as("exactly the cap of 7 out of 80 calls").isEqualTo(7);
        assertThat(refused.get()).isEqualTo(73);
        assertThat(lead.limit()).as("a cap above the policy does not raise it").contains("10 requests/minute");
    }

    @Test
    void aRefusedCallConsumesNothingFromTheOtherLimits() {
        Limiter l = newLimiter(clock, new RateLimitPolicy(3, 2, 0));

        l.limiter().acquire(call(ACME, "alice", "10.0.0.1"));
        l.limiter().acquire(call(ACME, "bob", "10.0.0.1"));
        RateLimitedException ip = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(ACME, "alice", "10.0.0.1")));
        l.limiter().acquire(call(ACME, "alice", "10.0.0.2"));
        l.limiter().acquire(call(ACME, "alice", "10.0.0.3"));
        RateLimitedException user = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(ACME, "alice", "10.0.0.4")));

        assertThat(ip.limit()).contains("ip 10.0.0.1");
        assertThat(user.limit()).as("alice's refused call did not count").contains("user alice");
    }

    @Test
    void orgLimitsAndPerOrgPoliciesApplyAndOrgsAreCountedApart() {
        Limiter l = newLimiter(clock, new RateLimitPolicy(30, 60, 0));
        l.admin().setPolicy(ACME, new RateLimitPolicy(0, 0, 2));

        l.limiter().acquire(call(ACME, "a", null));
        l.limiter().acquire(call(ACME, "b", null));
        RateLimitedException org = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(ACME, "c", null)));
        for (int i = 0; i < 30; i++) {
            l.limiter().acquire(call(GLOBEX, "a", null));
        }
        RateLimitedException globexUser = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(GLOBEX, "a", null)));

        assertThat(org.limit()).contains("org");
        assertThat(l.admin().policy(ACME)).isEqualTo(new RateLimitPolicy(0, 0, 2));
        assertThat(l.admin().policy(GLOBEX)).isEqualTo(new RateLimitPolicy(30, 60, 0));
        assertThat(globexUser.limit()).contains("user a");
    }

    @Test
    void tokenLimitsCountTheEstimateAndAreCorrectedToTheActualUse() {
        Limiter l = newLimiter(clock, new RateLimitPolicy(0, 0, 0).withTokensPerMinute(1_000, 0));

        RateLimitPermit first = l.limiter().acquire(new RateLimitRequest(ACME, "alice", null, 600));
        RateLimitedException full = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(new RateLimitRequest(ACME, "alice", null, 600)));
        first.settle(150); // the call used far less than its estimate
        RateLimitPermit second = l.limiter().acquire(new RateLimitRequest(ACME, "alice", null, 600));
        second.settle(600);
        RateLimitedException again = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(new RateLimitRequest(ACME, "alice", null, 300)));
        l.limiter().acquire(new RateLimitRequest(ACME, "alice", null, 250));

        assertThat(full.limit()).isEqualTo("user alice: 1000 tokens/minute");
        assertThat(again.retryAfter()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void dailyCapsHoldUntilTheNextUtcDay() {
        Limiter l = newLimiter(clock, new RateLimitPolicy(0, 0, 0).withRequestsPerDay(0, 2));

        l.limiter().acquire(call(ACME, "a", null));
        l.limiter().acquire(call(ACME, "b", null));
        RateLimitedException capped = catchThrowableOfType(RateLimitedException.class,
                () -> l.limiter().acquire(call(ACME, "c", null)));
        clock.advance(Duration.ofHours(14)); // 00:00:15 the next day
        l.limiter().acquire(call(ACME, "c", null));
        l.limiter().acquire(call(GLOBEX, "c", null));

        assertThat(capped.limit()).isEqualTo("org: 2 requests/day");
        assertThat(capped.retryAfter()).isEqualTo(Duration.ofHours(14).minusSeconds(15));
        assertThat(l.admin().policy(ACME).orgRequestsPerDay()).isEqualTo(2);
    }

    @Test
    void manyThreadsAgainstOneLimitAdmitExactlyTheLimit() throws Exception {
        Limiter l = newLimiter(Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), clock.getZone()),
                new RateLimitPolicy(100, 0, 0));
        int threads = 16;
        int attempts = 20;
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Concurrently.run(threads, id -> {
            for (int i = 0; i < attempts; i++) {
                try {
                    l.limiter().acquire(call(ACME, "hot-user", null));
                    admitted.incrementAndGet();
                } catch (RateLimitedException e) {
                    refused.incrementAndGet();
                }
            }
        });

        assertThat(admitted).hasValue(100);
        assertThat(refused).hasValue(threads * attempts - 100);
    }
}
