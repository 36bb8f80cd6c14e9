package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.GatedDataSource;
import dev.aitenancy.jdbc.testing.Admissions;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.LogCapture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Group admission and queued token corrections of {@link JdbcRateLimiter}, on H2 and PostgreSQL:
 * exact counts with many callers deciding together, a group that mixes admissions and refusals
 * counting only the admitted calls, corrections applied exactly once, and failures that neither
 * admit nor refuse anyone wrongly.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcRateLimiterGroupTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:15Z");
    static final long MINUTE = NOW.toEpochMilli() / 60_000L;
    static final OrgId ACME = OrgId.of("acme");

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final List<JdbcRateLimiter> limiters = new ArrayList<>();
    private Jdbi jdbi;

    @AfterEach
    void drop() {
        limiters.forEach(JdbcRateLimiter::close);
        databases.closeAll();
    }

    private JdbcRateLimiter limiter(DataSource ds, RateLimitPolicy policy) {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds, Clock.fixed(NOW, ZoneOffset.UTC), true)
                .withConfigCache(Duration.ofMinutes(5));
        jdbi = jdbc.jdbi();
        JdbcRateLimiter limiter = jdbc.rateLimiter(policy);
        limiters.add(limiter);
        return limiter;
    }

    /** The count of one counter row of this minute, 0 when it does not exist. */
    private long count(String scope, String subject) {
        return jdbi.withHandle(h -> h.createQuery("SELECT hits FROM ai_rate_counters WHERE org_id = 'acme' "
                        + "AND scope = :scope AND subject = :subject AND window_start = :minute")
                .bind("scope", scope).bind("subject", subject).bind("minute", MINUTE)
                .mapTo(Long.class).findOne().orElse(0L));
    }

    private long sum(String scope) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(hits), 0) FROM ai_rate_counters "
                        + "WHERE scope = :scope").bind("scope", scope).mapTo(Long.class).one());
    }

    @Test
    void sixtyFourThreadsAgainstOneLimitAdmitExactlyTheLimit() throws Exception {
        int limit = 300;
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(limit, 0, 0));
        int threads = 64;
        int calls = 20;

        Admissions told = Admissions.hammer(threads, calls, t -> limiter, new RateLimitRequest(ACME, "hot-user", null, 10));

        assertThat(told.admitted()).isEqualTo(limit);
        assertThat(told.refused()).isEqualTo(threads * calls - limit);
        assertThat(count("user", "hot-user")).isEqualTo(limit);
        assertThat(limiter.committedGroups()).as("calls were decided in groups")
                .isLessThan(threads * calls);
    }

    @Test
    void sixtyFourUsersAgainstOneOrgLimitAdmitExactlyItAndRefusedCallsCountNowhere() throws Exception {
        int orgLimit = 300;
        int perUser = 10;
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(perUser, 0, orgLimit));
        int threads = 64;
        int calls = 20;
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refusedByOrg = new AtomicInteger();
        AtomicInteger refusedByUser = new AtomicInteger();

        Concurrently.run(threads, t -> {
            for (int i = 0; i < calls; i++) {
                try {
                    limiter.acquire(new RateLimitRequest(ACME, "user-" + t, "10.0.0." + t, 10));
                    admitted.incrementAndGet();
                } catch (RateLimitedException e) {
                    (e.limit().startsWith("org") ? refusedByOrg : refusedByUser).incrementAndGet();
                }
            }
        });

        assertThat(admitted).hasValue(orgLimit);
        assertThat(refusedByOrg.get() + refusedByUser.get()).isEqualTo(threads * calls - orgLimit);
        assertThat(count("org", "acme")).isEqualTo(orgLimit);
        assertThat(sum("user")).as("a refused call counts against no user").isEqualTo(orgLimit);
        for (int t = 0; t < threads; t++) {
            assertThat(count("user", "user-" + t)).isLessThanOrEqualTo(perUser);
        }
    }

    @Test
    void aGroupMixingAdmissionsAndRefusalsCommitsExactlyTheAdmittedCounts() throws Exception {
        GatedDataSource gated = new GatedDataSource(databases.open(database));
        JdbcRateLimiter limiter = limiter(gated, new RateLimitPolicy(3, 4, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", "10.0.0.2", 0)); // alice 1; reads the policy once
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            gated.hold();
            Future<String> leader = pool.submit(() -> outcome(limiter, "zed", "10.0.0.9"));
            gated.awaitHeldBack(); // the leader's group holds only its own call
            String[][] group = {{"alice", "10.0.0.1"}, {"alice", "10.0.0.1"}, {"alice", "10.0.0.1"},
                    {"bob", "10.0.0.1"}, {"bob", "10.0.0.1"}, {"bob", "10.0.0.1"}, {"alice", "10.0.0.1"}};
            List<Future<String>> outcomes = new ArrayList<>();
            for (String[] call : group) { // one after the other, so they queue in this order
                int before = limiter.waitingCalls();
                outcomes.add(pool.submit(() -> outcome(limiter, call[0], call[1])));
                awaitWaiting(limiter, before + 1);
            }
            long groupsBefore = limiter.committedGroups();
            gated.release();

            assertThat(leader.get(30, TimeUnit.SECONDS)).isEqualTo("admitted");
            List<String> decided = new ArrayList<>();
            for (Future<String> f : outcomes) {
                decided.add(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(decided).containsExactly("admitted", "admitted", "user alice: 3 requests/minute",
                    "admitted", "admitted", "ip 10.0.0.1: 4 requests/minute", "ip 10.0.0.1: 4 requests/minute");
            assertThat(limiter.committedGroups() - groupsBefore).as("the leader's group, then the seven together")
                    .isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("user", "alice")).isEqualTo(3);
        assertThat(count("user", "bob")).isEqualTo(2);
        assertThat(count("user", "zed")).isEqualTo(1);
        assertThat(count("ip", "10.0.0.1")).isEqualTo(4);
        assertThat(count("ip", "10.0.0.2")).isEqualTo(1);
        assertThat(count("ip", "10.0.0.9")).isEqualTo(1);
    }

    @Test
    void aCallTheDatabaseRefusesFailsAloneAndTheRestOfItsGroupIsDecided() throws Exception {
        GatedDataSource gated = new GatedDataSource(databases.open(database));
        JdbcRateLimiter limiter = limiter(gated, new RateLimitPolicy(2, 0, 0));
        limiter.acquire(new RateLimitRequest(ACME, "warm", null, 0));
        String tooLong = "u".repeat(300); // the subject column holds 256 characters
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            gated.hold();
            Future<String> leader = pool.submit(() -> outcome(limiter, "zed", null));
            gated.awaitHeldBack();
            List<Future<String>> outcomes = new ArrayList<>();
            for (String user : List.of("alice", tooLong, "alice", "alice")) {
                int before = limiter.waitingCalls();
                outcomes.add(pool.submit(() -> outcome(limiter, user, null)));
                awaitWaiting(limiter, before + 1);
            }
            gated.release();

            assertThat(leader.get(30, TimeUnit.SECONDS)).isEqualTo("admitted");
            assertThat(outcomes.get(0).get(30, TimeUnit.SECONDS)).isEqualTo("admitted");
            assertThat(outcomes.get(1).get(30, TimeUnit.SECONDS)).startsWith("failed");
            assertThat(outcomes.get(2).get(30, TimeUnit.SECONDS)).isEqualTo("admitted");
            assertThat(outcomes.get(3).get(30, TimeUnit.SECONDS)).isEqualTo("user alice: 2 requests/minute");
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("user", "alice")).isEqualTo(2);
    }

    @Test
    void tokenCorrectionsAreQueuedAndAppliedExactlyByTheNextGroupsAndOnClose() throws Exception {
        JdbcRateLimiter limiter = limiter(databases.open(database),
                new RateLimitPolicy(0, 0, 0).withTokensPerMinute(1_000_000_000L, 1_000_000_000L));
        int threads = 32;
        int calls = 20;
        long estimate = 1_000;
        Map<String, AtomicLong> actualPerUser = new TreeMap<>();
        for (int t = 0; t < threads; t++) {
            actualPerUser.put("user-" + t % 8, new AtomicLong());
        }

        Concurrently.run(threads, t -> {
            String user = "user-" + t % 8;
            for (int i = 0; i < calls; i++) {
                RateLimitPermit permit = limiter.acquire(new RateLimitRequest(ACME, user, null, estimate));
                long actual = (t * 37L + i * 101L) % 2_000; // under and over the estimate
                permit.settle(actual);
                permit.settle(actual + 5); // a second settle is ignored
                actualPerUser.get(user).addAndGet(actual);
            }
        });
        limiter.close();

        assertThat(limiter.queuedCorrections()).isZero();
        long total = 0;
        for (Map.Entry<String, AtomicLong> e : actualPerUser.entrySet()) {
            assertThat(count("user-tokens", e.getKey())).as(e.getKey()).isEqualTo(e.getValue().get());
            total += e.getValue().get();
        }
        assertThat(count("org-tokens", "acme")).isEqualTo(total);
    }

    /**
     * Token corrections with slices: a call that used fewer tokens than estimated leaves room in
     * this instance's slice, one that used more takes more; a call is admitted only while the
     * corrected count has room for it, a refused call counts nothing, and on close the database
     * holds exactly the tokens used (the unused room given back, the excess counted).
     */
    @Test
    void correctionsCountBeforeTheNextCallAndARefusalCountsNothing() {
        JdbcRateLimiter limiter = limiter(databases.open(database),
                new RateLimitPolicy(0, 0, 0).withTokensPerMinute(100, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 50)).settle(10); // alice 10
        limiter.acquire(new RateLimitRequest(ACME, "bob", null, 30)).settle(60); // bob 60

        RateLimitPermit admitted = limiter.acquire(new RateLimitRequest(ACME, "alice", null, 80)); // 10 + 80
        assertThat(count("user-tokens", "alice")).as("never less than used").isBetween(90L, 100L);
        assertThat(outcomeOf(limiter, "alice", 20)).isEqualTo("refused"); // 90 + 20
        assertThat(count("user-tokens", "alice")).isBetween(90L, 100L);

        admitted.settle(70); // alice 80
        assertThat(outcomeOf(limiter, "alice", 25)).isEqualTo("refused"); // 80 + 25
        limiter.close();
        assertThat(count("user-tokens", "alice")).as("what alice used, the slice given back").isEqualTo(80);
        assertThat(count("user-tokens", "bob")).isEqualTo(60);
        assertThat(limiter.queuedCorrections()).isZero();
        assertThat(outcomeOf(limiter, "alice", 20)).isEqualTo("admitted"); // 80 + 20, the limit exactly
        assertThat(outcomeOf(limiter, "alice", 1)).isEqualTo("refused");
        limiter.close();
        assertThat(count("user-tokens", "alice")).isEqualTo(100);
    }

    private static String outcomeOf(JdbcRateLimiter limiter, String user, long tokens) {
        try {
            limiter.acquire(new RateLimitRequest(ACME, user, null, tokens));
            return "admitted";
        } catch (RateLimitedException e) {
            return "refused";
        }
    }

    /** The room a correction leaves in a slice goes back to the database when no other call comes. */
    @Test
    void aCorrectionIsAppliedInTheBackgroundWhenNoOtherCallComes() throws Exception {
        JdbcRateLimiter limiter = limiter(databases.open(database),
                new RateLimitPolicy(0, 0, 0).withTokensPerMinute(10_000, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1_000)).settle(120);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("user-tokens", "alice") != 120 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(count("user-tokens", "alice")).isEqualTo(120);
        assertThat(limiter.queuedCorrections()).isZero();
    }

    @Test
    void whileTheDatabaseIsDownCallsFailCountingNothingAndQueuedCorrectionsSurvive() throws Exception {
        FlakyDataSource flaky = new FlakyDataSource(databases.open(database));
        JdbcRateLimiter limiter = limiter(flaky, new RateLimitPolicy(5, 0, 0).withTokensPerMinute(100_000, 0));
        RateLimitPermit permit = limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1_000));
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();

        LogCapture.quietly(() -> {
            flaky.down();
            permit.settle(250);
            Concurrently.run(16, t -> {
                try {
                    limiter.acquire(new RateLimitRequest(ACME, "alice", null, 1_000));
                    other.incrementAndGet();
                } catch (RateLimitedException e) {
                    other.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
            });
            Thread.sleep(2 * JdbcRateLimiter.CORRECTION_DELAY_MILLIS); // a background flush fails meanwhile
            flaky.up();
        });
        limiter.close();

        assertThat(failed).as("every call failed; none was admitted or refused").hasValue(16);
        assertThat(other).hasValue(0);
        assertThat(count("user", "alice")).isEqualTo(1);
        assertThat(count("user-tokens", "alice")).as("the queued correction, applied once").isEqualTo(250);
        for (int i = 0; i < 4; i++) {
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 10));
        }
        assertThat(count("user", "alice")).isEqualTo(5);
    }

    private static String outcome(JdbcRateLimiter limiter, String user, String ip) {
        try {
            limiter.acquire(new RateLimitRequest(ACME, user, ip, 0));
            return "admitted";
        } catch (RateLimitedException e) {
            return e.limit();
        } catch (RuntimeException e) {
            return "failed: " + e.getClass().getSimpleName();
        }
    }

    private static void awaitWaiting(JdbcRateLimiter limiter, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (limiter.waitingCalls() < calls) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + limiter.waitingCalls() + " of " + calls + " calls queued");
            }
            Thread.sleep(1);
        }
    }
}
