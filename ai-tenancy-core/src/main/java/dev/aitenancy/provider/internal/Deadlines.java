package dev.aitenancy.provider.internal;

import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines of provider calls: each fires at most one tick (10 ms) after its instant, from one
 * daemon thread that looks at them once a tick while there are any. Setting or cancelling a
 * deadline is a queue append or a field write and never wakes a thread, unlike a
 * {@code ScheduledThreadPoolExecutor}, whose thread is woken whenever a new task is the earliest
 * (with one call in flight, every call's timeout is), and again to wait for the next. Nearly every
 * deadline is cancelled: the call ends first.
 *
 * <p>The thread holds cancelled deadlines until it drops them, which it does whenever they are at
 * least half of those it holds. It parks after a second without a deadline, until the next one.
 */
final class Deadlines {

    private static final Logger LOG = LoggerFactory.getLogger(Deadlines.class);
    static final Deadlines INSTANCE = new Deadlines(Duration.ofMillis(10), "ai-tenancy-deadlines");

    /** A deadline set; {@link #cancel()} keeps its action from running, if it has not yet run. */
    static final class Timer {
        private final long atNanos;
        private final AtomicReference<Runnable> action;
        private final Deadlines owner;

        private Timer(long atNanos, Runnable action, Deadlines owner) {
            this.atNanos = atNanos;
            this.action = new AtomicReference<>(action);
            this.owner = owner;
        }

        /** Keeps the action from running; true when it had not run and now never will. */
        boolean cancel() {
            if (action.getAndSet(null) == null) {
                return false;
            }
            owner.cancelled.increment();
            return true;
        }

        /** The action, if it was neither run nor cancelled; it is then taken, so it runs once. */
        private Runnable take() {
            return action.getAndSet(null);
        }
    }

    private final long tickNanos;
    private final long idleTicks;
    private final ConcurrentLinkedQueue<Timer> incoming = new ConcurrentLinkedQueue<>();
    private final LongAdder cancelled = new LongAdder();
    private final AtomicInteger fired = new AtomicInteger();
    private final Thread thread;
    private volatile boolean parked;
    private volatile int heldCount;

    // the thread's own
    private final PriorityQueue<Timer> held = new PriorityQueue<>(Comparator.comparingLong(t -> t.atNanos));

    Deadlines(Duration tick, String threadName) {
        this.tickNanos = tick.toNanos();
        this.idleTicks = Math.max(1, Duration.ofSeconds(1).toNanos() / tickNanos);
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code action} on this class's thread once {@code delayNanos} have passed, unless cancelled first. */
    Timer after(long delayNanos, Runnable action) {
        Timer t = new Timer(System.nanoTime() + Math.max(0, delayNanos), action, this);
        incoming.add(t);
        if (parked) {
            LockSupport.unpark(thread);
        }
        return t;
    }

    /** How many deadlines have fired (for tests). */
    int fired() {
        return fired.get();
    }

    /** The thread that fires the deadlines (for tests). */
    Thread thread() {
        return thread;
    }

    /** How many deadlines, live or cancelled, the thread held after its last tick (for tests). */
    int held() {
        return heldCount;
    }

    private void run() {
        long quiet = 0;
        while (true) {
            for (Timer t; (t = incoming.poll()) != null; ) {
                held.add(t);
            }
            dropCancelled();
            long now = System.nanoTime();
            for (Timer t; (t = held.peek()) != null && t.atNanos - now <= 0; ) {
                held.poll();
                Runnable action = t.take();
                if (action != null) {
                    fired.incrementAndGet();
                    try {
                        action.run();
                    } catch (RuntimeException | Error e) {
                        LOG.warn("a provider call's deadline action failed", e);
                    }
                }
            }
            heldCount = held.size();
            quiet = held.isEmpty() ? quiet + 1 : 0;
            if (quiet > idleTicks) {
                parked = true;
                if (incoming.isEmpty()) {
                    LockSupport.park(this);
                }
                parked = false;
                quiet = 0;
            } else {
                LockSupport.parkNanos(this, tickNanos);
            }
        }
    }

    private void dropCancelled() {
        if (cancelled.sum() * 2 >= held.size() && !held.isEmpty()) {
            cancelled.reset();
            held.removeIf(t -> t.action.get() == null);
        }
    }
}
