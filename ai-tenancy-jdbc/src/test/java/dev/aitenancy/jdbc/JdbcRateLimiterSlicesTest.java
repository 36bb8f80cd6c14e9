package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.testing.Admissions;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Slices of rate limits ({@link JdbcRateLimiter}, "Slices"), on H2 and PostgreSQL: calls admitted
 * from an instance's slice never take a limit past its value, alone or with a second instance; the
 * database is touched per slice rather than per call; unused room goes back on close and when idle;
 * a lowered limit holds at once; daily limits are not sliced.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcRateLimiterSlicesTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:15Z");
    static final long MINUTE = NOW.toEpochMilli() / 60_000L;
    static final OrgId ACME = OrgId.of("acme");

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final List<JdbcRateLimiter> limiters = new ArrayList<>();
    private final MutableClock clock = new MutableClock(NOW);
    private Jdbi jdbi;

    @AfterEach
    void drop() {
        limiters.forEach(JdbcRateLimiter::close);
        databases.closeAll();
    }

    /** A limiter of its own (an instance), on the database {@code ds}. */
    private JdbcRateLimiter limiter(DataSource ds, RateLimitPolicy policy) {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds, clock, jdbi == null).withConfigCache(Duration.ofMinutes(5));
        jdbi = jdbc.jdbi();
        JdbcRateLimiter limiter = jdbc.rateLimiter(policy);
        limiters.add(limiter);
        return limiter;
    }

    private long count(String scope, String subject, long window) {
        return jdbi.withHandle(h -> h.createQuery("SELECT hits FROM ai_rate_counters WHERE org_id = 'acme' "
                        + "AND scope = :scope AND subject = :subject AND window_start = :window")
                .bind("scope", scope).bind("subject", subject).bind("window", window)
                .mapTo(Long.class).findOne().orElse(0L));
    }

    private long count(String scope, String subject) {
        return count(scope, subject, MINUTE);
    }

    /** Calls {@code calls} times for {@code user} until the first refusal; returns the admitted count. */
    private static int untilRefused(JdbcRateLimiter limiter, String user, int calls) {
        for (int i = 0; i < calls; i++) {
            try {
                limiter.acquire(new RateLimitRequest(ACME, user, null, 0));
            } catch (RateLimitedException e) {
                return i;
            }
        }
        return calls;
    }

    @Test
    void sixtyFourThreadsAgainstALargeLimitAdmitExactlyItWithADatabaseTripPerSliceNotPerCall() throws Exception {
        int limit = 10_000;
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(limit, 0, limit));
        int threads = 64;
        int calls = 200;

        Admissions told = Admissions.hammer(threads, calls, t -> limiter, new RateLimitRequest(ACME, "hot-user", null, 0));

        assertThat(told.admitted()).isEqualTo(limit);
        assertThat(told.refused()).isEqualTo(threads * calls - limit);
        assertThat(count("user", "hot-user")).isEqualTo(limit);
        assertThat(count("org", "acme")).isEqualTo(limit);
        assertThat(limiter.committedGroups()).as("database transactions for %d admitted calls", limit)
                .isLessThan(limit / 10);
    }

    @Test
    void twoInstancesSharingALimitAdmitExactlyItBetweenThem() throws Exception {
        int limit = 3_000;
        DataSource ds = databases.open(database);
        JdbcRateLimiter first = limiter(ds, new RateLimitPolicy(limit, 0, 0));
        JdbcRateLimiter second = limiter(ds, new RateLimitPolicy(limit, 0, 0));
        // Each instance asks for more than the whole limit (16 threads x 200 calls). With less, one
        // instance can run out of calls while it still holds unused room in its slice, after the other
        // was refused because the database counts that room: never over the limit, but not all of it
        // admitted until the room goes back (idle or close).
        int callsPerThread = 200;

        Admissions told = Admissions.hammer(32, callsPerThread, t -> t % 2 == 0 ? first : second,
                new RateLimitRequest(ACME, "shared", null, 0));

        assertThat(told.admitted()).isEqualTo(limit);
        assertThat(told.refused()).isEqualTo(32 * callsPerThread - limit);
        assertThat(count("user", "shared")).isEqualTo(limit);
        first.close();
        second.close();
        assertThat(count("user", "shared")).as("no room left in a slice").isEqualTo(limit);
    }

    @Test
    void closingGivesTheUnusedRoomBackAtOnce() {
        DataSource ds = databases.open(database);
        JdbcRateLimiter first = limiter(ds, new RateLimitPolicy(1_000, 0, 0));
        first.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        assertThat(count("user", "alice")).as("a row's first call of the minute takes no slice").isEqualTo(1);
        first.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        assertThat(count("user", "alice")).as("the calls and a slice").isEqualTo(2 + 1_000 / RateSlices.SLICE_DIVISOR);

        first.close();

        assertThat(count("user", "alice")).isEqualTo(2);
        JdbcRateLimiter second = limiter(ds, new RateLimitPolicy(1_000, 0, 0));
        assertThat(untilRefused(second, "alice", 2_000)).isEqualTo(998);
    }

    /**
     * A row this instance held a slice of in the minute before is in steady use: its first call of
     * the next minute takes a slice at once, so the minute's change costs it one transaction, not two.
     */
    @Test
    void aRowWithASliceInTheMinuteBeforeTakesOneWithItsFirstCallOfTheNext() {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        limiter.acquire(new RateLimitRequest(ACME, "bob", null, 0));
        assertThat(count("user", "alice")).isEqualTo(2 + slice);
        long groups = limiter.committedGroups();

        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 10; i++) {
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        }
        limiter.acquire(new RateLimitRequest(ACME, "bob", null, 0));

        assertThat(count("user", "alice", MINUTE + 1)).as("the first call and a slice").isEqualTo(1 + slice);
        assertThat(count("user", "bob", MINUTE + 1)).as("no slice in the minute before: none now").isEqualTo(1);
        assertThat(limiter.committedGroups() - groups).as("transactions for 11 calls").isEqualTo(2);
        limiter.close();
        assertThat(count("user", "alice", MINUTE + 1)).as("its unused room back on close").isEqualTo(10);
        assertThat(count("user", "alice")).as("the minute before: its calls, as the window left it")
                .isEqualTo(2 + slice);
    }

    /**
     * When a call uses a row in steady use in the last seconds of its minute, that row and every
     * other row in steady use have a slice of the next minute taken in the background, so the next
     * minute's calls need no transaction at all; a row without a slice gets none.
     */
    @Test
    void rowsInSteadyUseTakeASliceOfTheNextMinuteInItsLastSeconds() throws Exception {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0)); // takes a slice
        limiter.acquire(new RateLimitRequest(ACME, "bob", null, 0));
        limiter.acquire(new RateLimitRequest(ACME, "bob", null, 0)); // takes a slice
        limiter.acquire(new RateLimitRequest(ACME, "carol", null, 0)); // counted alone: no slice
        assertThat(count("user", "alice")).isEqualTo(2 + slice);

        clock.advance(Duration.ofSeconds(60 - 15 - 2)); // 2 s before the minute ends
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0)); // from its slice
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((count("user", "alice", MINUTE + 1) != slice || count("user", "bob", MINUTE + 1) != slice)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(count("user", "alice", MINUTE + 1)).as("a slice of the next minute").isEqualTo(slice);
        assertThat(count("user", "bob", MINUTE + 1)).as("another row in steady use: one too").isEqualTo(slice);
        assertThat(count("user", "carol", MINUTE + 1)).as("a row without a slice: none").isZero();
        assertThat(limiter.callsDecidedInDatabase()).as("the first two calls of each row").isEqualTo(5);
        long groups = limiter.committedGroups();

        clock.advance(Duration.ofSeconds(3));
        for (int i = 0; i < 10; i++) {
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
            limiter.acquire(new RateLimitRequest(ACME, "bob", null, 0));
        }

        assertThat(limiter.committedGroups() - groups).as("transactions for 20 calls of the next minute").isZero();
        assertThat(limiter.callsDecidedInDatabase()).as("calls of the next minute that waited for one").isEqualTo(5);
        assertThat(count("user", "alice", MINUTE + 1)).as("the calls were admitted from the slice").isEqualTo(slice);
        limiter.close();
        assertThat(count("user", "alice", MINUTE + 1)).as("its unused room back on close").isEqualTo(10);
        assertThat(count("user", "bob", MINUTE + 1)).isEqualTo(10);
        assertThat(count("user", "alice")).as("the minute before: its calls and its slice")
                .isEqualTo(2 + slice);
    }

    /**
     * A slice of the next minute that sits idle gives its room back as any slice does, but for room
     * for one call like the row's last: the row's next call is admitted without a transaction (it
     * used to give everything back, and that call waited for one).
     */
    @Test
    void anIdleSliceOfTheNextMinuteKeepsRoomForOneCall() throws Exception {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0)); // takes a slice
        clock.advance(Duration.ofSeconds(60 - 15 - 2)); // 2 s before the minute ends
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0)); // from its slice: the next minute's is taken
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("user", "alice", MINUTE + 1) != slice && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(count("user", "alice", MINUTE + 1)).as("a slice of the next minute").isEqualTo(slice);
        clock.advance(Duration.ofSeconds(3));

        while (count("user", "alice", MINUTE + 1) == slice && System.nanoTime() < deadline) {
            Thread.sleep(20); // idle for RateSlices.IDLE_MILLIS
        }
        assertThat(count("user", "alice", MINUTE + 1)).as("given back but for one call").isEqualTo(1);
        long decided = limiter.callsDecidedInDatabase();
        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));

        assertThat(limiter.callsDecidedInDatabase()).as("the call after the idle time waited for no transaction")
                .isEqualTo(decided);
        limiter.close();
        assertThat(count("user", "alice", MINUTE + 1)).isEqualTo(1);
    }

    /**
     * When no call came in a minute's last seconds, the next minute's first call of a row that had a
     * slice takes one, and with it every other row that had one the minute before gets a slice of
     * the new minute: their first calls wait for no transaction.
     */
    @Test
    void theFirstCallOfAMinuteTakesSlicesForEveryRowInSteadyUse() {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        for (String user : List.of("alice", "bob", "carol")) {
            limiter.acquire(new RateLimitRequest(ACME, user, null, 0));
            limiter.acquire(new RateLimitRequest(ACME, user, null, 0)); // takes a slice
        }
        limiter.acquire(new RateLimitRequest(ACME, "dave", null, 0)); // counted alone: no slice
        clock.advance(Duration.ofSeconds(60 - 15 + 5)); // 5 s into the next minute; no call in the last seconds
        long decided = limiter.callsDecidedInDatabase();

        limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));

        assertThat(limiter.callsDecidedInDatabase() - decided).as("the minute's first call").isEqualTo(1);
        assertThat(count("user", "alice", MINUTE + 1)).isEqualTo(1 + slice);
        assertThat(count("user", "bob", MINUTE + 1)).as("a slice taken with it").isEqualTo(slice);
        assertThat(count("user", "carol", MINUTE + 1)).isEqualTo(slice);
        assertThat(count("user", "dave", MINUTE + 1)).as("a row without a slice: none").isZero();
        for (int i = 0; i < 5; i++) {
            limiter.acquire(new RateLimitRequest(ACME, "bob", null, 0));
            limiter.acquire(new RateLimitRequest(ACME, "carol", null, 0));
        }
        assertThat(limiter.callsDecidedInDatabase() - decided).as("bob's and carol's calls: none").isEqualTo(1);
        limiter.close();
        assertThat(count("user", "bob", MINUTE + 1)).as("the unused room back on close").isEqualTo(5);
        assertThat(count("user", "alice", MINUTE + 1)).isEqualTo(1);
    }

    /** A refill queued when the limiter closes is dropped: closing leaves no room in the database. */
    @Test
    void closingRightAfterASliceRanOutLeavesNoRoom() {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        for (int i = 0; i < 2 + slice; i++) { // the last call empties the slice and queues a refill
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        }

        limiter.close();

        assertThat(count("user", "alice")).as("the calls only").isEqualTo(2 + slice);
    }

    @Test
    void unusedRoomGoesBackWhenTheSliceIsIdle() throws Exception {
        DataSource ds = databases.open(database);
        JdbcRateLimiter first = limiter(ds, new RateLimitPolicy(1_000, 0, 0));
        JdbcRateLimiter second = limiter(ds, new RateLimitPolicy(1_000, 0, 0));
        first.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        first.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        assertThat(count("user", "alice")).isEqualTo(2 + 1_000 / RateSlices.SLICE_DIVISOR);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("user", "alice") != 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(count("user", "alice")).as("given back after %d ms without use, but for room for one call",
                RateSlices.IDLE_MILLIS).isEqualTo(3);
        assertThat(untilRefused(second, "alice", 2_000)).isEqualTo(997);
        assertThat(untilRefused(first, "alice", 10)).as("the one call the first instance kept room for")
                .isEqualTo(1);
    }

    /**
     * A slice in steady use that a call empties is refilled in the background, so the calls after
     * it find room and need no transaction of their own.
     */
    @Test
    void aSliceInSteadyUseThatACallEmptiesIsRefilledInTheBackground() throws Exception {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        for (int i = 0; i < 2 + slice; i++) { // the second call takes a slice, the last one empties it
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count("user", "alice") != 2 + 2 * slice && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(count("user", "alice")).as("the calls, the slice they used and a new one").isEqualTo(2 + 2 * slice);
        long groups = limiter.committedGroups();
        for (int i = 0; i < slice - 1; i++) { // leaves room for one call: no refill yet
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
        }

        assertThat(limiter.committedGroups()).as("transactions for %d calls from the refill", slice - 1)
                .isEqualTo(groups);
        limiter.close();
        assertThat(count("user", "alice")).as("every call, and no room once closed").isEqualTo(2 + 2 * slice - 1);
    }

    /**
     * What an instance that died holding a slice leaves behind is its row's count: its calls and
     * its unused room (the two-JVM test kills one for real). The room counts until the minute ends.
     */
    @Test
    void aSliceOfAnInstanceThatDiedCountsOnlyUntilTheMinuteEnds() {
        DataSource ds = databases.open(database);
        JdbcRateLimiter other = limiter(ds, new RateLimitPolicy(1_000, 0, 0));
        int slice = 1_000 / RateSlices.SLICE_DIVISOR;
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO ai_rate_counters (org_id, scope, subject, window_start, hits) "
                + "VALUES ('acme', 'user', 'alice', :minute, :hits)").bind("minute", MINUTE).bind("hits", 1 + slice)
                .execute());

        assertThat(untilRefused(other, "alice", 2_000)).isEqualTo(1_000 - 1 - slice);
        clock.advance(Duration.ofMinutes(1));

        assertThat(untilRefused(other, "alice", 2_000)).isEqualTo(1_000);
        assertThat(count("user", "alice", MINUTE + 1)).isEqualTo(1_000);
    }

    @Test
    void aLoweredLimitHoldsAtOnceWhateverTheSliceStillHolds() {
        JdbcRateLimiter limiter = limiter(databases.open(database), new RateLimitPolicy(1_000, 0, 0));
        assertThat(untilRefused(limiter, "alice", 10)).isEqualTo(10);

        limiter.setPolicy(ACME, new RateLimitPolicy(15, 0, 0));

        assertThat(untilRefused(limiter, "alice", 100)).as("up to the new limit, not the slice").isEqualTo(5);
        limiter.close();
        assertThat(count("user", "alice")).isEqualTo(15);
    }

    /**
     * A call whose user row has room in the slice but whose IP row needs the database: while the
     * database is down it fails, and what the slice held for it goes back, so the user's whole
     * limit is still there afterwards.
     */
    @Test
    void aCallThatFailsWithTheDatabaseDownGivesBackWhatItsSliceHeld() throws Exception {
        FlakyDataSource flaky = new FlakyDataSource(databases.open(database));
        JdbcRateLimiter limiter = limiter(flaky, new RateLimitPolicy(1_000, 1_000, 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", "10.0.0.1", 0));
        limiter.acquire(new RateLimitRequest(ACME, "alice", "10.0.0.1", 0)); // takes slices of both rows
        AtomicInteger failed = new AtomicInteger();

        LogCapture.quietly(() -> {
            flaky.down();
            for (int i = 0; i < 5; i++) {
                try {
                    limiter.acquire(new RateLimitRequest(ACME, "alice", "10.0.0." + (10 + i), 0)); // a new IP row
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
            }
            flaky.up();
        });

        assertThat(failed).hasValue(5);
        int admitted = 0;
        for (; admitted < 2_000; admitted++) {
            try {
                limiter.acquire(new RateLimitRequest(ACME, "alice", "10.1." + admitted / 250 + "." + admitted % 250, 0));
            } catch (RateLimitedException e) {
                break;
            }
        }
        assertThat(admitted).as("alice's limit less her two calls, nothing lost to the failures").isEqualTo(998);
    }

    @Test
    void dailyLimitsAreCountedInTheDatabasePerCall() {
        JdbcRateLimiter limiter = limiter(databases.open(database),
                new RateLimitPolicy(0, 0, 0).withRequestsPerDay(10_000, 0));
        long day = NOW.toEpochMilli() / 86_400_000L;

        for (int i = 0; i < 3; i++) {
            limiter.acquire(new RateLimitRequest(ACME, "alice", null, 0));
            assertThat(count("user-day", "alice", day)).isEqualTo(i + 1);
        }
    }
}
