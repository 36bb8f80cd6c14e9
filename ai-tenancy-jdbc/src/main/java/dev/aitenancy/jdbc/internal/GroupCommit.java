package dev.aitenancy.jdbc.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Group commit: items submitted at the same moment are handed to {@link Work#commit} together, as
 * one group, so a store pays one transaction per group rather than one per item. Groups never run
 * at the same time, so the work may keep state of its own between groups without locks.
 *
 * <p>Who commits: a caller that finds nobody committing and nothing waiting commits at once on its
 * own thread, taking whatever else arrived meanwhile with its own (at most {@code maxGroup}); a
 * lone call therefore costs no hand-off to another thread. A caller that finds a group in flight
 * or items waiting queues its item and waits, parked; the queue is then taken by a committer
 * thread of its own, which goes straight on from one group to the next while items keep coming,
 * instead of waiting for a parked caller to be woken and scheduled. The committer is a daemon, started when first needed and stopping after
 * {@code linger} without work, so an instance dropped without being closed leaves no thread
 * behind.
 *
 * <p>Background work: when {@code pending} says the work has something of its own to do (say,
 * queued corrections) and no group has come to do it within {@code delay} ({@link
 * #backgroundQueued()} starts the clock), the committer runs the work with an empty group. When
 * that fails it tries again ten delays later.
 *
 * <p>Failures: when the work throws, none of the group counted (the work rolls its transaction
 * back). If the database could not be reached ({@link Failures#isUnreachable}) or the group had a
 * single item, every item of the group gets the failure. Otherwise the database refused something
 * in the group, so each item is tried again alone, and only the items it refuses fail: one bad item
 * never fails the others.
 *
 * <p>Not API: used by the JDBC stores, may change without notice.
 *
 * @param <T> what a caller submits
 * @param <R> the outcome the caller gets back
 */
public final class GroupCommit<T, R> {

    /** Decides and commits one group. */
    @FunctionalInterface
    public interface Work<T, R> {
        /**
         * Commits a group in one transaction; an empty group is the background work.
         *
         * @return the outcome of each item, in the group's order
         * @throws RuntimeException when the transaction failed; then nothing of the group may have
         *                          counted
         */
        List<R> commit(List<T> group);
    }

    private static final class Waiter<T, R> {
        final T item;
        final Thread thread;
        R result;
        Throwable failure;
        volatile boolean done;

        Waiter(T item, Thread thread) {
            this.item = item;
            this.thread = thread;
        }
    }

    private final String threadName;
    private final int maxGroup;
    private final Work<T, R> work;
    private final BooleanSupplier pending;
    private final long delayNanos;
    private final long lingerNanos;
    private final ConcurrentLinkedQueue<Waiter<T, R>> waiting = new ConcurrentLinkedQueue<>();
    /** Whether a group is being committed (by a caller or the committer): groups never overlap. */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Whether a committer thread runs. */
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Thread committer;
    /** Whether the committer has seen background work waiting and will do it when it is due. */
    private volatile boolean armed;

    /**
     * @param threadName the committer thread's name
     * @param maxGroup   most items in one group
     * @param work       commits a group; never runs for two groups at the same time
     * @param pending    whether the work has background work to do
     * @param delay      how long background work waits for a group to come and do it instead
     * @param linger     how long the committer thread stays without work before it stops
     */
    public GroupCommit(String threadName, int maxGroup, Work<T, R> work, BooleanSupplier pending, Duration delay,
            Duration linger) {
        if (maxGroup < 1) {
            throw new IllegalArgumentException("a group holds at least one item");
        }
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.maxGroup = maxGroup;
        this.work = Objects.requireNonNull(work, "work");
        this.pending = Objects.requireNonNull(pending, "pending");
        this.delayNanos = delay.toNanos();
        this.lingerNanos = linger.toNanos();
    }

    /**
     * Commits {@code item} with whatever else is submitted at the same moment and returns its
     * outcome. Waits without giving up on an interrupt (the item may be counted already); the
     * interrupt is kept for the caller.
     *
     * @throws RuntimeException the failure of the item's transaction (see the class description)
     */
    public R submit(T item) {
        return submit(item, null);
    }

    /**
     * As {@link #submit(Object)}, but gives up waiting after {@code maxWait} (null: never): an item
     * still queued then is withdrawn and never committed; one whose group is already in flight may
     * still be committed after the caller gave up. A caller that commits its own group on its own
     * thread waits for the database as long as that takes.
     *
     * @throws NotCommittedInTime when {@code maxWait} passed first
     */
    public R submit(T item, Duration maxWait) {
        Waiter<T, R> me = new Waiter<>(item, Thread.currentThread());
        long deadline = maxWait == null ? 0 : System.nanoTime() + maxWait.toNanos();
        boolean alone = waiting.isEmpty();
        waiting.add(me);
        if (alone && busy.compareAndSet(false, true)) { // a lone call: commit here, no hand-off
            try {
                commitNext();
            } finally {
                busy.set(false);
            }
            if (!waiting.isEmpty()) {
                poke(); // what came meanwhile goes to the committer
            }
        } else {
            poke(); // the committer takes it after the group in flight
        }
        boolean interrupted = false;
        try {
            while (!me.done) {
                if (maxWait == null) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new NotCommittedInTime(maxWait, waiting.remove(me));
                    }
                    LockSupport.parkNanos(this, left);
                }
                interrupted |= Thread.interrupted();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (me.failure == null) {
            return me.result;
        }
        if (me.failure instanceof RuntimeException e) {
            throw e;
        }
        if (me.failure instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(me.failure);
    }

    /** A caller gave up waiting for its item's group ({@link #submit(Object, Duration)}). */
    public static final class NotCommittedInTime extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean withdrawn;

        NotCommittedInTime(Duration maxWait, boolean withdrawn) {
            super("not committed within " + maxWait + (withdrawn ? " (withdrawn before its group)"
                    : " (its group was in flight and may still commit it)"));
            this.withdrawn = withdrawn;
        }

        /** Whether the item was withdrawn before any group took it, so it was never committed. */
        public boolean withdrawn() {
            return withdrawn;
        }
    }

    /**
     * Says the work has background work queued: makes sure a committer will do it after {@code
     * delay} unless a group does it first. Cheap when the committer already knows.
     */
    public void backgroundQueued() {
        if (!armed || !running.get()) {
            poke();
        }
    }

    /** Makes sure a committer runs: to take what waits, or to do the work's background work. */
    private void poke() {
        if (running.compareAndSet(false, true)) {
            Thread t = new Thread(this::run, threadName);
            t.setDaemon(true);
            committer = t;
            t.start();
        } else {
            LockSupport.unpark(committer);
        }
    }

    /** How many submitted items wait for a group now (for tests and diagnostics; counts the queue). */
    public int waiting() {
        return waiting.size();
    }

    private void run() {
        try {
            loop();
        } catch (RuntimeException | Error e) { // not expected: hand what waits to a new committer
            running.set(false);
            if (!waiting.isEmpty()) {
                poke();
            }
            throw e;
        }
    }

    private void loop() {
        long idleSince = System.nanoTime(); // when the last work ended
        long pendingSince = -1; // when background work was first seen waiting, or -1
        long backoff = 0; // added to the delay after a failed background run
        while (true) {
            if (!waiting.isEmpty()) {
                if (busy.compareAndSet(false, true)) {
                    try {
                        commitNext(); // the group does the background work too
                    } finally {
                        busy.set(false);
                    }
                    idleSince = System.nanoTime();
                    pendingSince = -1;
                } else {
                    LockSupport.parkNanos(this, lingerNanos); // a caller commits; it pokes when done
                }
                continue;
            }
            long now = System.nanoTime();
            if (pending.getAsBoolean()) {
                if (pendingSince < 0) {
                    pendingSince = now;
                }
                long due = pendingSince + delayNanos + backoff;
                if (now - due < 0) {
                    armed = true;
                    LockSupport.parkNanos(this, due - now);
                    continue;
                }
                armed = false;
                if (busy.compareAndSet(false, true)) {
                    try {
                        work.commit(List.of());
                        backoff = 0;
                    } catch (RuntimeException | Error e) {
                        backoff = 9 * delayNanos; // the work reports its own failure
                    } finally {
                        busy.set(false);
                    }
                    idleSince = System.nanoTime();
                    pendingSince = -1;
                } else {
                    LockSupport.parkNanos(this, delayNanos); // a caller's group does it meanwhile
                }
                continue;
            }
            armed = false;
            pendingSince = -1;
            if (now - idleSince < lingerNanos) {
                LockSupport.parkNanos(this, lingerNanos - (now - idleSince));
                continue;
            }
            running.set(false);
            if (waiting.isEmpty() && !pending.getAsBoolean() || !running.compareAndSet(false, true)) {
                return; // nothing came meanwhile, or a new committer took over
            }
            idleSince = now;
        }
    }

    /** Commits the items waiting, at most {@code maxGroup}; the caller holds {@link #busy}. */
    private void commitNext() {
        List<Waiter<T, R>> group = new ArrayList<>();
        Waiter<T, R> w;
        while (group.size() < maxGroup && (w = waiting.poll()) != null) {
            group.add(w);
        }
        if (!group.isEmpty()) {
            commit(group);
        }
    }

    private void commit(List<Waiter<T, R>> group) {
        try {
            List<R> results;
            try {
                results = work.commit(items(group));
            } catch (RuntimeException | Error e) {
                if (group.size() == 1 || e instanceof Error || Failures.isUnreachable(e)) {
                    fail(group, e);
                    return;
                }
                for (Waiter<T, R> alone : group) { // the database refused the group: find the item it refuses
                    try {
                        complete(alone, work.commit(List.of(alone.item)).get(0));
                    } catch (RuntimeException | Error single) {
                        fail(List.of(alone), single);
                    }
                }
                return;
            }
            if (results.size() != group.size()) {
                throw new IllegalStateException("the work answered " + results.size() + " of " + group.size()
                        + " items");
            }
            for (int i = 0; i < group.size(); i++) {
                complete(group.get(i), results.get(i));
            }
        } catch (RuntimeException | Error e) {
            fail(group, e);
        } finally {
            for (Waiter<T, R> w : group) {
                if (!w.done) { // never leave one waiting (the failure is built only then: filling its stack costs)
                    fail(group, new IllegalStateException("the group ended without an outcome"));
                    break;
                }
            }
        }
    }

    private static <T> List<T> items(List<? extends Waiter<T, ?>> group) {
        List<T> items = new ArrayList<>(group.size());
        for (Waiter<T, ?> w : group) {
            items.add(w.item);
        }
        return items;
    }

    private void complete(Waiter<T, R> w, R result) {
        if (!w.done) {
            w.result = result;
            w.done = true;
            LockSupport.unpark(w.thread);
        }
    }

    private void fail(List<Waiter<T, R>> group, Throwable failure) {
        for (Waiter<T, R> w : group) {
            if (!w.done) {
                w.failure = failure;
                w.done = true;
                LockSupport.unpark(w.thread);
            }
        }
    }
}
