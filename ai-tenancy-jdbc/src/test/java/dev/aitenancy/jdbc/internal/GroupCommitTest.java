package dev.aitenancy.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aitenancy.testing.Concurrently;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link GroupCommit} without a database: who runs the work, how groups form, how failures spread,
 * background work, and the committer thread's lifetime.
 */
class GroupCommitTest {

    static <T, R> GroupCommit<T, R> groups(int maxGroup, GroupCommit.Work<T, R> work) {
        return new GroupCommit<>("test-committer", maxGroup, work, () -> false, Duration.ofMillis(50),
                Duration.ofSeconds(10));
    }

    @Test
    void aLoneItemIsCommittedAtOnceAloneOnTheCallersThread() {
        List<String> ranOn = new CopyOnWriteArrayList<>();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        GroupCommit<Integer, Integer> groups = groups(8, group -> {
            ranOn.add(Thread.currentThread().getName());
            sizes.add(group.size());
            return group.stream().map(i -> i * 2).toList();
        });

        assertThat(groups.submit(21)).isEqualTo(42);
        assertThat(groups.submit(1)).isEqualTo(2);
        assertThat(ranOn).containsExactly(Thread.currentThread().getName(), Thread.currentThread().getName());
        assertThat(sizes).containsExactly(1, 1);
    }

    @Test
    void itemsQueuedBehindAGroupInFlightGoTogetherOnTheCommitterThread() throws Exception {
        List<String> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<String, String> groups = groups(16, group -> {
            ranOn.add(Thread.currentThread().getName());
            if (group.contains("first")) {
                firstStarted.countDown();
                await(release);
            }
            return group;
        });
        List<Future<Object>> outcomes = lineUp(groups, firstStarted, release, List.of("a", "b", "c"));

        for (Future<Object> f : outcomes) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isIn("a", "b", "c");
        }
        assertThat(ranOn).hasSize(2);
        assertThat(ranOn.get(0)).isNotEqualTo("test-committer");
        assertThat(ranOn.get(1)).isEqualTo("test-committer");
    }

    @Test
    void backgroundWorkRunsAfterTheDelayWhenNoItemComesAndTheCommitterStopsWhenIdle() throws Exception {
        AtomicInteger queued = new AtomicInteger();
        AtomicLong ranAfterNanos = new AtomicLong();
        long[] queuedAt = new long[1];
        GroupCommit<String, String> groups = new GroupCommit<>("idle-committer", 8, group -> {
            if (group.isEmpty()) {
                ranAfterNanos.set(System.nanoTime() - queuedAt[0]);
                queued.set(0);
            }
            return group;
        }, () -> queued.get() > 0, Duration.ofMillis(100), Duration.ofMillis(200));

        queuedAt[0] = System.nanoTime();
        queued.set(3);
        groups.backgroundQueued();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queued.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }

        assertThat(queued).as("the background work ran").hasValue(0);
        assertThat(ranAfterNanos.get()).as("not before the delay").isGreaterThanOrEqualTo(
                TimeUnit.MILLISECONDS.toNanos(100));
        while (committerAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(committerAlive()).as("the idle committer stopped").isFalse();
        assertThat(groups.submit("again")).as("a new committer starts with the next item").isEqualTo("again");
    }

    private static boolean committerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("idle-committer"));
    }

    @Test
    void concurrentItemsGoInGroupsOneAtATimeAndEachGetsItsOwnOutcome() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        List<Integer> groupSizes = new CopyOnWriteArrayList<>();
        GroupCommit<Integer, Integer> groups = groups(16, group -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            groupSizes.add(group.size());
            try {
                Thread.sleep(1); // a transaction's round trips
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return group.stream().map(i -> -i).toList();
        });
        int threads = 32;
        int items = 50;

        Concurrently.run(threads, t -> {
            for (int i = 0; i < items; i++) {
                int item = t * 1_000 + i;
                assertThat(groups.submit(item)).isEqualTo(-item);
            }
        });

        assertThat(mostInFlight).as("never two groups at once").hasValue(1);
        assertThat(groupSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(threads * items);
        assertThat(groupSizes).allMatch(size -> size <= 16);
        assertThat(groupSizes.size()).as("items went together").isLessThan(threads * items);
        assertThat(groups.waiting()).isZero();
    }

    @Test
    void whenTheDatabaseRefusesAGroupEachItemIsTriedAloneAndOnlyTheRefusedOneFails() throws Exception {
        List<List<String>> commits = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<String, String> groups = groups(16, group -> {
            commits.add(group);
            if (group.contains("first")) {
                firstStarted.countDown();
                await(release);
            }
            if (group.contains("bad")) {
                throw new IllegalStateException("refused: bad");
            }
            return group.stream().map(String::toUpperCase).toList();
        });
        List<Future<Object>> outcomes = lineUp(groups, firstStarted, release, List.of("a", "bad", "b"));

        assertThat(outcomes.get(0).get(10, TimeUnit.SECONDS)).isEqualTo("A");
        assertThat(outcomes.get(1).get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        assertThat(outcomes.get(2).get(10, TimeUnit.SECONDS)).isEqualTo("B");
        assertThat(commits).containsExactly(List.of("first"), List.of("a", "bad", "b"), List.of("a"), List.of("bad"),
                List.of("b"));
    }

    @Test
    void whenTheDatabaseCannotBeReachedEveryItemOfTheGroupGetsTheFailureAtOnce() throws Exception {
        List<List<String>> commits = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RuntimeException down = new IllegalStateException(new SQLException("connection refused (test)", "08001"));
        GroupCommit<String, String> groups = groups(16, group -> {
            commits.add(group);
            if (group.contains("first")) {
                firstStarted.countDown();
                await(release);
                return List.of("FIRST");
            }
            throw down;
        });
        List<Future<Object>> outcomes = lineUp(groups, firstStarted, release, List.of("a", "b", "c"));

        for (Future<Object> f : outcomes) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(down);
        }
        assertThat(commits).containsExactly(List.of("first"), List.of("a", "b", "c"));
        assertThat(catchThrowable(() -> groups.submit("d"))).isSameAs(down);
    }

    /**
     * Submits "first", which holds the work until {@code release}, then {@code items} one after
     * the other so they wait in that order, then releases; returns each item's result or failure.
     */
    @Test
    void aCallerThatGivesUpIsWithdrawnWhenStillQueuedAndToldWhenItsGroupWasInFlight() throws Exception {
        List<String> committed = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch secondStarted = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        GroupCommit<String, String> groups = groups(16, group -> {
            if (group.contains("first")) {
                firstStarted.countDown();
                await(release);
            } else if (group.contains("late")) {
                secondStarted.countDown();
                await(releaseSecond);
            }
            committed.addAll(group);
            return group;
        });
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            Future<String> first = pool.submit(() -> groups.submit("first"));
            assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();

            Throwable queued = catchThrowable(() -> groups.submit("queued", Duration.ofMillis(50)));
            assertThat(queued).isInstanceOf(GroupCommit.NotCommittedInTime.class);
            assertThat(((GroupCommit.NotCommittedInTime) queued).withdrawn()).isTrue();
            assertThat(groups.waiting()).isZero();

            Future<Throwable> late = pool.submit(() -> catchThrowable(() -> groups.submit("late",
                    Duration.ofSeconds(2))));
            while (groups.waiting() == 0) {
                Thread.sleep(1);
            }
            release.countDown(); // the committer takes "late" into a group that blocks until released
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(secondStarted.await(10, TimeUnit.SECONDS)).isTrue();
            Throwable inFlight = late.get(10, TimeUnit.SECONDS);
            releaseSecond.countDown();

            assertThat(inFlight).isInstanceOf(GroupCommit.NotCommittedInTime.class);
            assertThat(((GroupCommit.NotCommittedInTime) inFlight).withdrawn()).isFalse();
            assertThat(groups.submit("after")).isEqualTo("after");
            assertThat(committed).as("the withdrawn item never; the one in flight after its caller gave up")
                    .containsExactly("first", "late", "after");
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Future<Object>> lineUp(GroupCommit<String, String> groups, CountDownLatch firstStarted,
            CountDownLatch release, List<String> items) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            pool.submit(() -> groups.submit("first"));
            assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<Object>> outcomes = new ArrayList<>();
            for (String item : items) {
                int before = groups.waiting();
                outcomes.add(pool.submit(() -> {
                    try {
                        return (Object) groups.submit(item);
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (groups.waiting() <= before && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
            release.countDown();
            return outcomes;
        } finally {
            pool.shutdown();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
