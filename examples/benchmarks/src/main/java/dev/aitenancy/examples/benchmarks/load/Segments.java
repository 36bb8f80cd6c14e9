package dev.aitenancy.examples.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs one timed segment of one mode against one {@link Subject}: calls are made until the time is
 * up, then the calls in flight are waited for (their latencies count; throughput counts only the
 * calls that completed in time).
 */
final class Segments {

    /** How calls are made. */
    enum Mode {
        /** One caller thread, one call at a time, through the blocking API. */
        SEQUENTIAL("sequential"),
        /** 64 calls in flight through the async API; each completion starts the next call. */
        ASYNC64("async64"),
        /** 64 platform threads, each making one blocking call after another. */
        BLOCKING64("blocking64");

        final String label;

        Mode(String label) {
            this.label = label;
        }

        static Mode of(String label) {
            for (Mode m : values()) {
                if (m.label.equals(label)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown mode " + label + " (sequential, async64, blocking64)");
        }
    }

    static final int CONCURRENCY = 64;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What one segment measured. Latencies in nanoseconds. */
    record Result(String subject, Mode mode, long calls, long failures, long callsInTime, double seconds,
            Histogram latency, double callerBytesPerCall, double jvmBytesPerCall, long threadsStarted,
            String firstFailure, Cpu cpu) {

        double callsPerSecond() {
            return callsInTime / seconds;
        }

        /** JVM threads started per 1,000 calls during the segment. */
        double threadsPer1000Calls() {
            return calls == 0 ? Double.NaN : threadsStarted * 1000.0 / calls;
        }

        double p50Micros() {
            return latency.getValueAtPercentile(50) / 1000.0;
        }

        double p99Micros() {
            return latency.getValueAtPercentile(99) / 1000.0;
        }
    }

    /**
     * CPU time per call over a segment, in microseconds: of this JVM (every thread: the callers, the
     * library's and the JDK's pools, JIT and GC) and of the stand-in provider's JVM. Unlike
     * throughput, these hardly move with what else runs on the machine, so they show where a
     * change saves or costs work even on a loaded machine.
     */
    record Cpu(double harnessMicrosPerCall, double standInMicrosPerCall, double databaseMicrosPerCall) {
    }

    /**
     * CPU time so far (nanoseconds) of the processes on this machine named {@code postgres} (the
     * PostgreSQL server and its backends, from {@code /proc}; 0 elsewhere). A backend that exits
     * takes its time with it; the harness's pools keep theirs open.
     */
    static long postgresCpuNanos() {
        java.io.File[] procs = new java.io.File("/proc").listFiles((dir, name) -> name.chars().allMatch(Character::isDigit));
        if (procs == null) {
            return 0;
        }
        long ticks = 0;
        for (java.io.File p : procs) {
            try {
                String stat = java.nio.file.Files.readString(p.toPath().resolve("stat"));
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                if (open < 0 || close < 0 || !stat.substring(open + 1, close).equals("postgres")) {
                    continue;
                }
                String[] f = stat.substring(close + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            } catch (java.io.IOException | RuntimeException gone) {
                // the process ended meanwhile
            }
        }
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final AtomicLong sequence = new AtomicLong(1_000);
    private final java.util.function.LongSupplier standInCpuNanos;

    /** {@code standInCpuNanos}: the stand-in process's CPU time so far (nanoseconds). */
    Segments(java.util.function.LongSupplier standInCpuNanos) {
        this.standInCpuNanos = standInCpuNanos;
    }

    Result run(Subject subject, Mode mode, double seconds) throws InterruptedException {
        return switch (mode) {
            case SEQUENTIAL -> sequential(subject, seconds);
            case ASYNC64 -> async(subject, seconds);
            case BLOCKING64 -> blocking(subject, seconds);
        };
    }

    private Result sequential(Subject subject, double seconds) {
        Histogram latency = new Histogram(3);
        Failures failures = new Failures();
        long calls = 0;
        Probe before = Probe.take(standInCpuNanos);
        long end = before.nanos + (long) (seconds * 1e9);
        long now = before.nanos;
        while (now < end) {
            long t0 = System.nanoTime();
            try {
                subject.call(sequence.incrementAndGet());
            } catch (Exception | Error e) {
                failures.add(e);
            }
            now = System.nanoTime();
            latency.recordValue(now - t0);
            calls++;
        }
        Probe after = Probe.take(standInCpuNanos);
        return new Result(subject.name(), Mode.SEQUENTIAL, calls, failures.count(), calls - failures.count(),
                (after.nanos - before.nanos) / 1e9, latency,
                (after.callerBytes - before.callerBytes) / (double) calls, after.jvmBytesSince(before) / (double) calls,
                after.startedThreads - before.startedThreads, failures.first(), after.cpuSince(before, calls));
    }

    private Result async(Subject subject, double seconds) throws InterruptedException {
        Recorder latency = new Recorder(3);
        LongAdder completed = new LongAdder();
        Failures failures = new Failures();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch loopsDone = new CountDownLatch(CONCURRENCY);

        final class Loop {
            void next() {
                while (running.get()) {
                    long t0 = System.nanoTime();
                    CompletableFuture<?> f;
                    try {
                        f = subject.callAsync(sequence.incrementAndGet());
                    } catch (RuntimeException | Error e) {
                        f = CompletableFuture.failedFuture(e);
                    }
                    if (!f.isDone()) {
                        f.whenComplete((r, e) -> {
                            done(t0, e);
                            next();
                        });
                        return;
                    }
                    done(t0, f.isCompletedExceptionally() ? f.handle((r, e) -> e).join() : null);
                }
                loopsDone.countDown();
            }

            private void done(long t0, Throwable e) {
                latency.recordValue(System.nanoTime() - t0);
                if (e != null) {
                    failures.add(e);
                }
                completed.increment();
            }
        }

        Probe before = Probe.take(standInCpuNanos);
        for (int k = 0; k < CONCURRENCY; k++) {
            new Loop().next();
        }
        sleepUntil(before.nanos + (long) (seconds * 1e9));
        running.set(false);
        long stop = System.nanoTime();
        long inTime = completed.sum() - failures.count();
        if (!loopsDone.await(120, TimeUnit.SECONDS)) {
            failures.add(new IllegalStateException("calls still in flight 120 s after the segment ended"));
        }
        Probe after = Probe.take(standInCpuNanos);
        long calls = completed.sum();
        return new Result(subject.name(), Mode.ASYNC64, calls, failures.count(), inTime, (stop - before.nanos) / 1e9,
                latency.getIntervalHistogram(), Double.NaN, after.jvmBytesSince(before) / (double) calls,
                after.startedThreads - before.startedThreads, failures.first(), after.cpuSince(before, calls));
    }

    private Result blocking(Subject subject, double seconds) throws InterruptedException {
        LongAdder completed = new LongAdder();
        Failures failures = new Failures();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch go = new CountDownLatch(1);
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < CONCURRENCY; k++) {
            Histogram h = new Histogram(3);
            histograms.add(h);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (running.get()) {
                    long t0 = System.nanoTime();
                    try {
                        subject.call(sequence.incrementAndGet());
                    } catch (Exception | Error e) {
                        failures.add(e);
                    }
                    h.recordValue(System.nanoTime() - t0);
                    completed.increment();
                }
            }, "load-caller-" + k);
            threads.add(t);
            t.start();
        }
        Probe before = Probe.take(standInCpuNanos); // after the callers started: they are the harness's, not the call's
        go.countDown();
        sleepUntil(before.nanos + (long) (seconds * 1e9));
        running.set(false);
        long stop = System.nanoTime();
        long inTime = completed.sum() - failures.count();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(120));
            if (t.isAlive()) {
                failures.add(new IllegalStateException(t.getName() + " still calling 120 s after the segment ended"));
            }
        }
        Probe after = Probe.take(standInCpuNanos);
        Histogram all = new Histogram(3);
        histograms.forEach(all::add);
        long calls = completed.sum();
        return new Result(subject.name(), Mode.BLOCKING64, calls, failures.count(), inTime,
                (stop - before.nanos) / 1e9, all, Double.NaN, after.jvmBytesSince(before) / (double) calls,
                after.startedThreads - before.startedThreads, failures.first(), after.cpuSince(before, calls));
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
        }
    }

    /** Failures of a segment: how many, and the first one for the report. */
    private static final class Failures {
        private final LongAdder count = new LongAdder();
        private final AtomicReference<Throwable> first = new AtomicReference<>();

        void add(Throwable e) {
            count.increment();
            first.compareAndSet(null, e);
        }

        long count() {
            return count.sum();
        }

        String first() {
            Throwable e = first.get();
            if (e == null) {
                return null;
            }
            while ((e instanceof java.util.concurrent.CompletionException
                    || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
                e = e.getCause();
            }
            return e.toString();
        }
    }

    /**
     * Counters at one instant: threads started so far, bytes allocated by the calling thread, and by
     * every live thread (a thread that ends between two probes takes its bytes with it, which is why
     * the per-call figure is only as good as the pools are long-lived).
     */
    private record Probe(long nanos, long startedThreads, long callerBytes, Map<Long, Long> threadBytes,
            long cpuNanos, long standInCpuNanos, long databaseCpuNanos) {

        static Probe take(java.util.function.LongSupplier standInCpuNanos) {
            long[] ids = THREADS.getAllThreadIds();
            long[] bytes = THREADS.getThreadAllocatedBytes(ids);
            Map<Long, Long> byThread = new HashMap<>();
            for (int k = 0; k < ids.length; k++) {
                if (bytes[k] >= 0) {
                    byThread.put(ids[k], bytes[k]);
                }
            }
            return new Probe(System.nanoTime(), THREADS.getTotalStartedThreadCount(),
                    THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()), byThread,
                    OS.getProcessCpuTime(), standInCpuNanos.getAsLong(), postgresCpuNanos());
        }

        Cpu cpuSince(Probe before, long calls) {
            return new Cpu((cpuNanos - before.cpuNanos) / 1e3 / calls,
                    (standInCpuNanos - before.standInCpuNanos) / 1e3 / calls,
                    (databaseCpuNanos - before.databaseCpuNanos) / 1e3 / calls);
        }

        long jvmBytesSince(Probe before) {
            long sum = 0;
            for (Map.Entry<Long, Long> e : threadBytes.entrySet()) {
                sum += e.getValue() - before.threadBytes.getOrDefault(e.getKey(), 0L);
            }
            return sum;
        }
    }
}
