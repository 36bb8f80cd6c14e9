package dev.aitenancy.jdbc.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Runs the requests that callers make at the same moment as groups, on the callers' own threads
 * (leader and followers; no thread of its own, nothing to close). A caller that finds nobody at
 * work becomes the leader: it takes every request waiting (its own among them, at most
 * {@code maxGroup}) and runs them as one group; callers arriving meanwhile wait, and when the
 * leader is done the first of them leads the next group with all that arrived. A lone caller runs
 * its request at once, alone, on its own thread; under load each group takes what came in while
 * the previous one ran, so the work per group is paid once for many requests.
 *
 * <p>The group's work must {@link Ask#answer answer} or {@link Ask#fail fail} each request; one
 * it leaves unanswered, or a failure it throws, fails the requests still open with that failure.
 * A waiting caller is not released by an interrupt (its request may already be acted on); the
 * interrupt is kept for it to see afterwards.
 *
 * @param <Q> a request
 * @param <A> its answer
 */
public final class Grouped<Q, A> {

    private static final int WAITING = 0;
    private static final int LEADING = 1;
    private static final int DONE = 2;

    /** One caller's request, waiting for its answer. */
    public static final class Ask<Q, A> {
        private final Q request;
        private final Thread caller;
        private volatile int state = WAITING;
        private A answer;
        private RuntimeException failure;

        private Ask(Q request, Thread caller) {
            this.request = request;
            this.caller = caller;
        }

        public Q request() {
            return request;
        }

        /** Whether the request has its answer or failure already. */
        public boolean answered() {
            return state == DONE;
        }

        /** Gives the request its answer (the first answer or failure counts). */
        public void answer(A value) {
            settle(value, null);
        }

        /** Fails the request with {@code e}, thrown to its caller (the first answer or failure counts). */
        public void fail(RuntimeException e) {
            settle(null, Objects.requireNonNull(e, "e"));
        }

        private void settle(A value, RuntimeException e) {
            if (state == DONE) {
                return;
            }
            answer = value;
            failure = e;
            state = DONE; // publishes answer and failure
            if (caller != Thread.currentThread()) {
                LockSupport.unpark(caller);
            }
        }
    }

    private final int maxGroup;
    private final Consumer<List<Ask<Q, A>>> work;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Ask<Q, A>> waiting = new ArrayDeque<>();
    private boolean busy;
    private volatile int largestGroup;

    /**
     * @param maxGroup most requests in one group
     * @param work     runs one group (never empty), on the leader's thread
     */
    public Grouped(int maxGroup, Consumer<List<Ask<Q, A>>> work) {
        if (maxGroup < 1) {
            throw new IllegalArgumentException("maxGroup must be >= 1");
        }
        this.maxGroup = maxGroup;
        this.work = Objects.requireNonNull(work, "work");
    }

    /**
     * Runs {@code request} in a group and returns its answer.
     *
     * @throws RuntimeException the failure the group's work gave this request
     */
    public A run(Q request) {
        Ask<Q, A> own = new Ask<>(request, Thread.currentThread());
        boolean lead;
        lock.lock();
        try {
            waiting.add(own);
            lead = !busy;
            busy = true;
        } finally {
            lock.unlock();
        }
        if (!lead) {
            boolean interrupted = false;
            while (own.state == WAITING) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lead = own.state == LEADING;
        }
        if (lead) {
            lead(own);
        }
        if (own.failure != null) {
            throw own.failure;
        }
        return own.answer;
    }

    /**
     * Fails every request still waiting for a group with {@code e}: for a leader whose group found
     * the resource unreachable, so the callers queued meanwhile learn it now rather than each after
     * another attempt of their own.
     */
    public void failWaiting(RuntimeException e) {
        List<Ask<Q, A>> failed;
        lock.lock();
        try {
            failed = new ArrayList<>(waiting);
            waiting.clear();
        } finally {
            lock.unlock();
        }
        failed.forEach(ask -> ask.fail(e));
    }

    /** How many requests wait for a leader to take them (for tests and monitoring). */
    public int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** The most requests run in one group so far (for tests and monitoring). */
    public int largestGroup() {
        return largestGroup;
    }

    /** Runs groups until the leader's own request is answered, then hands the lead on. */
    private void lead(Ask<Q, A> own) {
        try {
            while (own.state != DONE) {
                List<Ask<Q, A>> group = new ArrayList<>();
                lock.lock();
                try {
                    while (group.size() < maxGroup && !waiting.isEmpty()) {
                        group.add(waiting.poll());
                    }
                } finally {
                    lock.unlock();
                }
                if (group.size() > largestGroup) {
                    largestGroup = group.size(); // written by the one leader at a time
                }
                runGroup(group);
            }
        } finally {
            lock.lock();
            try {
                Ask<Q, A> next = waiting.peek();
                if (next == null) {
                    busy = false;
                } else {
                    next.state = LEADING;
                    LockSupport.unpark(next.caller);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void runGroup(List<Ask<Q, A>> group) {
        RuntimeException failure = null;
        try {
            work.accept(group);
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            failure = new IllegalStateException(e);
            throw e;
        } finally {
            for (Ask<Q, A> ask : group) {
                if (ask.state != DONE) {
                    ask.fail(failure != null ? failure
                            : new IllegalStateException("the group's work left a request unanswered"));
                }
            }
        }
    }
}
