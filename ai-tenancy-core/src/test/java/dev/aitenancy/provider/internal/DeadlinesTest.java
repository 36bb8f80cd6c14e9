package dev.aitenancy.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.testing.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private static final Duration TICK = Duration.ofMillis(10);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private static Deadlines deadlines() {
        return new Deadlines(TICK, "deadlines-test-" + THREADS.incrementAndGet());
    }

    @Test
    void aDeadlineFiresOnceAfterItsDelayAndNotBefore() throws Exception {
        Deadlines d = deadlines();
        AtomicLong firedAt = new AtomicLong();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch fired = new CountDownLatch(1);
        long start = System.nanoTime();
        Deadlines.Timer t = d.after(TimeUnit.MILLISECONDS.toNanos(80), () -> {
            firedAt.set(System.nanoTime());
            runs.incrementAndGet();
            fired.countDown();
        });

        assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(firedAt.get() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(80));
        Thread.sleep(100);
        assertThat(runs).hasValue(1);
        assertThat(t.cancel()).as("a deadline that fired cannot be cancelled").isFalse();
        assertThat(d.fired()).isEqualTo(1);
    }

    @Test
    void aCancelledDeadlineNeverFires() throws Exception {
        Deadlines d = deadlines();
        AtomicInteger runs = new AtomicInteger();
        Deadlines.Timer cancelled = d.after(TimeUnit.MILLISECONDS.toNanos(30), runs::incrementAndGet);
        CountDownLatch later = new CountDownLatch(1);
        d.after(TimeUnit.MILLISECONDS.toNanos(200), later::countDown);

        assertThat(cancelled.cancel()).isTrue();
        assertThat(cancelled.cancel()).as("only the first cancel takes it").isFalse();
        assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(runs).hasValue(0);
        assertThat(d.fired()).isEqualTo(1);
    }

    @Test
    void deadlinesFireInTheOrderOfTheirInstantsWhateverTheOrderTheyWereSetIn() throws Exception {
        Deadlines d = deadlines();
        List<Integer> order = new ArrayList<>();
        CountDownLatch all = new CountDownLatch(3);
        for (int ms : new int[] {150, 50, 100}) {
            d.after(TimeUnit.MILLISECONDS.toNanos(ms), () -> {
                synchronized (order) {
                    order.add(ms);
                }
                all.countDown();
            });
        }

        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly(50, 100, 150);
    }

    @Test
    void cancelledDeadlinesAreDroppedLongBeforeTheirInstants() throws Exception {
        Deadlines d = deadlines();
        long hour = TimeUnit.HOURS.toNanos(1);
        List<Deadlines.Timer> timers = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            timers.add(d.after(hour, () -> { }));
        }
        for (int i = 0; i < 10; i++) {
            d.after(hour, () -> { }); // live ones stay
        }
        timers.forEach(Deadlines.Timer::cancel);

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (d.held() != 10 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(d.held()).as("the thread holds only the live deadlines").isEqualTo(10);
        assertThat(d.fired()).isZero();
    }

    @Test
    void theThreadParksWhenIdleAndTheNextDeadlineWakesIt() throws Exception {
        Deadlines d = deadlines();
        CountDownLatch first = new CountDownLatch(1);
        d.after(0, first::countDown);
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        Thread thread = d.thread();

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(thread.getState()).as("parked without a timeout after a second without deadlines")
                .isEqualTo(Thread.State.WAITING);

        CountDownLatch second = new CountDownLatch(1);
        long start = System.nanoTime();
        d.after(TimeUnit.MILLISECONDS.toNanos(20), second::countDown);
        assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
    }

    @Test
    void anActionThatThrowsIsLoggedAndTheOthersStillFire() throws Exception {
        Deadlines d = deadlines();
        CountDownLatch after = new CountDownLatch(1);
        String log = LogCapture.quietly(() -> {
            d.after(TimeUnit.MILLISECONDS.toNanos(10), () -> {
                throw new IllegalStateException("planted failure");
            });
            d.after(TimeUnit.MILLISECONDS.toNanos(60), after::countDown);
            assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
        });

        assertThat(log).contains("deadline action failed").contains("planted failure");
        assertThat(d.fired()).isEqualTo(2);
    }
}
