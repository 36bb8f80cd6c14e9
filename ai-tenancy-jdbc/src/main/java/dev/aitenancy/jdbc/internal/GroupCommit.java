package dev.aitenancy.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Group commit on the callers' own threads: items submitted at the same moment are handed to
 * {@link Work#commit} together, as one group, so a store pays one transaction per group rather than
 * one per item.
 *
 * <p>There is no thread of its own. A caller that finds nobody committing becomes the leader: it
 * takes every item waiting (its own among them, at most {@code maxGroup}), runs the work on its own
 * thread, hands each item its outcome, and then wakes the oldest caller still waiting, which leads
 * the next group. The others wait, parked, for their outcome. A lone caller therefore runs its
 * work at once on its own thread, with no hand-off; while one group's transaction is in flight the
 * next callers queue up and go together in the next one. Groups run one after the other, never at
 * the same time, so the work may keep state of its own between groups without locks.
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
         * Commits a group in one transaction.
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

    private final ConcurrentLinkedQueue<Waiter<T, R>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean leading = new AtomicBoolean();
    private final int maxGroup;
    private final Work<T, R> work;

    /**
     * @param maxGroup most items in one group
     * @param work     commits a group; never runs for two groups at the same time
     */
    public GroupCommit(int maxGroup, Work<T, R> work) {
        if (maxGroup < 1) {
            throw new IllegalArgumentException("a group holds at least one item");
        }
        this.maxGroup = maxGroup;
        this.work = Objects.requireNonNull(work, "work");
    }

    /**
     * Commits {@code item} with whatever else is submitted at the same moment and returns its
     * outcome. Waits without giving up on an interrupt (the item may be counted already); the
     * interrupt is kept for the caller.
     *
     * @throws RuntimeException the failure of the item's transaction (see the class description)
     */
    public R submit(T item) {
        Waiter<T, R> me = new Waiter<>(item, Thread.currentThread());
        waiting.add(me);
        boolean interrupted = false;
        while (!me.done) {
            if (!leading.get() && leading.compareAndSet(false, true)) {
                try {
                    lead();
                } finally {
                    leading.set(false);
                    Waiter<T, R> next = waiting.peek();
                    if (next != null) {
                        LockSupport.unpark(next.thread); // it leads the next group
                    }
                }
            } else {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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

    /** How many submitted items wait for a group now (for tests and diagnostics; counts the queue). */
    public int waiting() {
        return waiting.size();
    }

    private void lead() {
        List<Waiter<T, R>> group = new ArrayList<>();
        Waiter<T, R> w;
        while (group.size() < maxGroup && (w = waiting.poll()) != null) {
            group.add(w);
        }
        if (group.isEmpty()) {
            return;
        }
        try {
            commit(group);
        } catch (RuntimeException | Error e) {
            fail(group, e);
        } finally {
            fail(group, new IllegalStateException("the group ended without an outcome")); // never leave one waiting
        }
    }

    private void commit(List<Waiter<T, R>> group) {
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
            throw new IllegalStateException("the work answered " + results.size() + " of " + group.size() + " items");
        }
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results.get(i));
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
