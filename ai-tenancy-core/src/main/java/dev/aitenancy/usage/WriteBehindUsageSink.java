package dev.aitenancy.usage;

import dev.aitenancy.limits.BudgetReservation;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link UsageSink} that hands finished records to a slow or remote sink (a billing service, a
 * broker, a remote log) from a thread of its own, so a call does not wait for that sink.
 *
 * <pre>{@code
 * WriteBehindUsageSink usage = WriteBehindUsageSink.builder(new BillingServiceSink(http)).build();
 * LLMJob job = LLMJob.builder().usageSink(usage)...build();
 * usage.close(); // at shutdown, after the last call: delivers everything still queued
 * }</pre>
 *
 * <p>Do not wrap {@code JdbcUsageSink} (it already writes behind, in batches, each record in one
 * transaction with its budget settlement) nor {@link dev.aitenancy.memory.InMemoryUsageSink}.
 *
 * <ul>
 * <li>{@link #started} is passed through on the caller's thread: it is the call's durable start,
 * written before the provider is called, and its failure refuses the call.</li>
 * <li>{@code finished} records, with their reservations, go into a bounded queue
 * ({@link Builder#capacity}, default {@value #DEFAULT_CAPACITY}) and reach the delegate in the order
 * they were accepted, from one daemon writer thread. Until then the call's budgets hold its reserved
 * worst case.</li>
 * <li>A full queue makes the caller wait up to {@link Builder#offerTimeout} (default 1 s); then the
 * record is dropped: counted in {@link #dropped()}, its reservation settled at what the record
 * bills, one WARN per burst of drops. A drop never throws to the caller.</li>
 * <li>A delegate that throws gets the record again, up to {@link Builder#attempts} times (default
 * {@value #DEFAULT_ATTEMPTS}) with a doubling pause from {@link Builder#backoff}; then the record is
 * counted in {@link #failed()}, settled as for a drop, and the writer moves on, so one poison record
 * never blocks the others. One WARN per run of failures, naming only the record's id, org and the
 * exception's class: logs never hold a record's text.</li>
 * <li>{@link #close()} waits (default 30 s) until everything queued is delivered or failed; what is
 * still queued when it gives up is dropped (counted, settled, one WARN). After close,
 * {@code finished} passes through on the caller's thread.</li>
 * </ul>
 *
 * <p>Every finished record given before close is, at any moment, exactly one of {@link #queued()},
 * {@link #written()}, {@link #failed()} or {@link #dropped()}. Thread safe.
 */
public final class WriteBehindUsageSink implements UsageSink, AutoCloseable {

    /** The queue's default capacity, in finished records. */
    public static final int DEFAULT_CAPACITY = 10_000;
    /** How many times a record is given to the delegate by default before it counts as failed. */
    public static final int DEFAULT_ATTEMPTS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(WriteBehindUsageSink.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A finished record waiting for the delegate, with the reservation it settles (null when none). */
    private record Pending(UsageRecord record, BudgetReservation reservation) {
    }

    private final UsageSink delegate;
    private final int capacity;
    private final long offerTimeoutNanos;
    private final int attempts;
    private final long firstBackoffNanos;
    private final long maxBackoffNanos;
    private final Duration closeTimeout;
    private final Thread writer;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a record is queued or close begins. */
    private final Condition notEmpty = lock.newCondition();
    /** Signalled when the writer takes a record, and when it stops. */
    private final Condition notFull = lock.newCondition();
    /** Signalled when the writer stops, and when close gives up waiting (ends a retry pause). */
    private final Condition stateChanged = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    // guarded by lock
    private boolean closing;
    private boolean stopped;
    private long dropBurst;
    // written under lock, read without
    private volatile boolean abandoned;
    // the writer thread's own
    private long failureRun;

    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    private WriteBehindUsageSink(Builder b) {
        this.delegate = b.delegate;
        this.capacity = b.capacity;
        this.offerTimeoutNanos = b.offerTimeout.toNanos();
        this.attempts = b.attempts;
        this.firstBackoffNanos = b.firstBackoff.toNanos();
        this.maxBackoffNanos = b.maxBackoff.toNanos();
        this.closeTimeout = b.closeTimeout;
        Thread t = b.threadFactory != null ? b.threadFactory.newThread(this::run)
                : new Thread(this::run, "ai-tenancy-usage-write-behind-" + THREADS.incrementAndGet());
        if (t == null) {
            throw new IllegalStateException("the thread factory returned no thread");
        }
        t.setDaemon(true);
        this.writer = t;
    }

    /** A builder of a sink that writes finished records to {@code delegate} from a thread of its own. */
    public static Builder builder(UsageSink delegate) {
        return new Builder(delegate);
    }

    /**
     * Passes the record to the delegate on the caller's thread, and throws what the delegate throws
     * (the call is then refused): the start is the call's durable trace, and is written before the
     * provider is called.
     */
    @Override
    public void started(UsageRecord record) {
        delegate.started(record);
    }

    /** Queues the record for the delegate (see the class description for a full queue and after close). */
    @Override
    public void finished(UsageRecord record) {
        submit(new Pending(Objects.requireNonNull(record, "record"), null));
    }

    /**
     * Queues the record with its reservation; the delegate receives both and settles the
     * reservation as it stores the record. A record that is dropped or fails has its reservation
     * settled here, at what the record bills.
     */
    @Override
    public void finished(UsageRecord record, BudgetReservation reservation) {
        submit(new Pending(Objects.requireNonNull(record, "record"), Objects.requireNonNull(reservation,
                "reservation")));
    }

    /** Finished records accepted and not yet delivered, failed or dropped (the one being delivered included). */
    public long queued() {
        return queued.get();
    }

    /** Finished records the delegate has taken. */
    public long written() {
        return written.get();
    }

    /** Finished records the delegate refused on every attempt. */
    public long failed() {
        return failed.get();
    }

    /** Finished records dropped: not accepted because the queue stayed full, or still queued when close gave up. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Delivers everything queued (waiting at most the builder's {@code closeTimeout}, default 30 s)
     * and stops the writer thread; see {@link #close(Duration)}.
     */
    @Override
    public void close() {
        close(closeTimeout);
    }

    /**
     * Waits at most {@code timeout} until every record queued (also while it waits) is delivered or
     * has failed, and lets the writer end; then {@code finished} passes through. Records still queued
     * when the timeout passes or the thread is interrupted are dropped, counted and settled; closing
     * again returns at once.
     *
     * @return true when everything queued was delivered or failed, false when the timeout passed first
     */
    public boolean close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        List<Pending> left = new ArrayList<>();
        boolean gaveUp = false;
        boolean interrupted = false;
        long start = System.nanoTime();
        lock.lock();
        try {
            if (!closing) {
                closing = true;
                notEmpty.signalAll();
            }
            long wait = timeout.toNanos();
            while (!stopped && wait > 0) {
                try {
                    wait = stateChanged.awaitNanos(wait);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            if (!stopped) {
                gaveUp = true;
                abandoned = true;
                stopped = true;
                left.addAll(queue);
                queue.clear();
                notFull.signalAll();
                stateChanged.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!gaveUp) {
            return !abandoned;
        }
        left.forEach(this::abandon);
        LOG.warn("usage write-behind closed after {} ms before its delegate caught up: dropped {} queued finished "
                + "records, {} still with the delegate ({} dropped in all, {} failed, {} written)",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), left.size(), queued.get(), dropped.get(),
                failed.get(), written.get());
        return false;
    }


    private void submit(Pending p) {
        boolean passThrough = false;
        boolean accepted = false;
        boolean burstStarted = false;
        long burstEnded = 0;
        boolean interrupted = false;
        lock.lock();
        try {
            long wait = offerTimeoutNanos;
            while (!stopped && queue.size() >= capacity && wait > 0) {
                try {
                    wait = notFull.awaitNanos(wait);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            if (stopped) {
                passThrough = true;
            } else if (queue.size() < capacity) {
                queue.addLast(p);
                queued.incrementAndGet();
                accepted = true;
                notEmpty.signal();
                burstEnded = dropBurst;
                dropBurst = 0;
            } else {
                dropped.incrementAndGet();
                burstStarted = dropBurst++ == 0;
            }
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (passThrough) {
            deliver(p);
            return;
        }
        if (accepted) {
            if (burstEnded > 0) {
                LOG.info("usage write-behind queue accepts finished records again after dropping {} ({} dropped in "
                        + "all)", burstEnded, dropped.get());
            }
            return;
        }
        settle(p);
        if (burstStarted) {
            LOG.warn("usage write-behind queue full ({} records) for {} ms: dropping finished records until its "
                    + "delegate catches up ({} dropped in all)", capacity,
                    TimeUnit.NANOSECONDS.toMillis(offerTimeoutNanos), dropped.get());
        }
    }


    private void run() {
        while (true) {
            Pending next;
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) {
                    try {
                        notEmpty.await();
                    } catch (InterruptedException e) {
                        // this thread is the sink's own: only close() ends it
                    }
                }
                if (queue.isEmpty() || abandoned) {
                    stopped = true;
                    notFull.signalAll();
                    stateChanged.signalAll();
                    return;
                }
                next = queue.pollFirst();
                notFull.signal();
            } finally {
                lock.unlock();
            }
            write(next);
        }
    }

    /** Gives one record to the delegate until it takes it, the attempts run out or close gives up. */
    private void write(Pending p) {
        long pause = firstBackoffNanos;
        for (int attempt = 1; ; attempt++) {
            try {
                deliver(p);
                written.incrementAndGet();
                queued.decrementAndGet();
                if (failureRun > 0) {
                    LOG.info("usage write-behind delivers finished records again after {} failed ({} failed in all)",
                            failureRun, failed.get());
                    failureRun = 0;
                }
                return;
            } catch (RuntimeException | Error e) { // the delegate is host code: an Error must not end the writer
                if (attempt >= attempts || abandoned) {
                    fail(p, e, attempt);
                    return;
                }
                LOG.debug("usage write-behind: attempt {} of {} to deliver finished record {} of org {} failed ({}); "
                        + "trying again in {} ms", attempt, attempts, p.record().id(), p.record().orgId(),
                        e.getClass().getName(), TimeUnit.NANOSECONDS.toMillis(pause));
                pause(pause);
                pause = Math.min(pause * 2, maxBackoffNanos);
            }
        }
    }

    /** Waits {@code nanos} before the next attempt, or less when close gives up waiting. */
    private void pause(long nanos) {
        lock.lock();
        try {
            long wait = nanos;
            while (wait > 0 && !abandoned) {
                try {
                    wait = stateChanged.awaitNanos(wait);
                } catch (InterruptedException e) {
                    // this thread is the sink's own: only close() ends its pauses early
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void fail(Pending p, Throwable e, int tries) {
        long n = failed.incrementAndGet();
        queued.decrementAndGet();
        settle(p);
        if (failureRun++ == 0) {
            LOG.warn("usage write-behind could not deliver finished record {} of org {} after {} attempts ({}); "
                    + "counted as failed ({} failed in all); more failures in a row are logged at DEBUG",
                    p.record().id(), p.record().orgId(), tries, e.getClass().getName(), n);
        } else {
            LOG.debug("usage write-behind could not deliver finished record {} of org {} after {} attempts ({})",
                    p.record().id(), p.record().orgId(), tries, e.getClass().getName());
        }
    }


    private void deliver(Pending p) {
        if (p.reservation() == null) {
            delegate.finished(p.record());
        } else {
            delegate.finished(p.record(), p.reservation());
        }
    }

    /** Counts a queued record that close gave up on as dropped, and settles its reservation. */
    private void abandon(Pending p) {
        dropped.incrementAndGet();
        queued.decrementAndGet();
        settle(p);
    }

    /**
     * Settles the reservation of a record that will not reach the delegate at what the record bills
     * (zero when unpriced), as {@link UsageSink#finished(UsageRecord, BudgetReservation)} would.
     * Settling is idempotent, so a delegate that settled before it failed is not charged twice.
     */
    private static void settle(Pending p) {
        if (p.reservation() == null) {
            return;
        }
        UsageRecord r = p.record();
        try {
            p.reservation().settle(r.billed().isPriced() ? r.billed().amount() : BigDecimal.ZERO);
        } catch (RuntimeException | Error e) {
            LOG.warn("usage write-behind could not settle the budget reservation of finished record {} of org {} ({})",
                    r.id(), r.orgId(), e.getClass().getName());
        }
    }

    private void start() {
        writer.start();
    }

    /** Builds a {@link WriteBehindUsageSink}; every setting has a default. */
    public static final class Builder {
        private final UsageSink delegate;
        private int capacity = DEFAULT_CAPACITY;
        private Duration offerTimeout = Duration.ofSeconds(1);
        private int attempts = DEFAULT_ATTEMPTS;
        private Duration firstBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration closeTimeout = Duration.ofSeconds(30);
        private ThreadFactory threadFactory;

        private Builder(UsageSink delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
            if (delegate instanceof WriteBehindUsageSink) {
                throw new IllegalArgumentException("the delegate already writes behind");
            }
        }

        /**
         * How many finished records may wait for the delegate (default
         * {@value WriteBehindUsageSink#DEFAULT_CAPACITY}).
         */
        public Builder capacity(int records) {
            if (records < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, not " + records);
            }
            this.capacity = records;
            return this;
        }

        /**
         * How long a caller waits for room in a full queue before its record is dropped (default 1 s;
         * zero drops at once).
         */
        public Builder offerTimeout(Duration wait) {
            this.offerTimeout = nonNegative(wait, "offerTimeout");
            return this;
        }

        /** How many times in all a record is given to a throwing delegate before it counts as failed (default 5). */
        public Builder attempts(int times) {
            if (times < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, not " + times);
            }
            this.attempts = times;
            return this;
        }

        /**
         * The pause after a record's first failed attempt, doubled after each next one up to
         * {@code max} (default 100 ms and 5 s).
         */
        public Builder backoff(Duration first, Duration max) {
            this.firstBackoff = nonNegative(first, "first backoff");
            this.maxBackoff = nonNegative(max, "max backoff");
            if (max.compareTo(first) < 0) {
                throw new IllegalArgumentException("the max backoff " + max + " is shorter than the first " + first);
            }
            return this;
        }

        /** How long {@link WriteBehindUsageSink#close()} waits for the queue to drain (default 30 s). */
        public Builder closeTimeout(Duration wait) {
            this.closeTimeout = nonNegative(wait, "closeTimeout");
            return this;
        }

        /**
         * Where the writer thread comes from (an unstarted thread; it is made a daemon; default a
         * thread named {@code ai-tenancy-usage-write-behind-<n>}).
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The sink, its writer thread started. */
        public WriteBehindUsageSink build() {
            WriteBehindUsageSink sink = new WriteBehindUsageSink(this);
            sink.start();
            return sink;
        }

        private static Duration nonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + d);
            }
            return d;
        }
    }
}
