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

    /**
     * What one segment measured. Latencies in nanoseconds. {@code calls} were measured; {@code okCalls}
     * succeeded in the whole segment, its lead-in included (each leaves a usage record);
     * {@code failures} counts the whole segment's.
     */
    record Result(String subject, Mode mode, long calls, long failures, long callsInTime, double seconds,
            Histogram latency, double callerBytesPerCall, double jvmBytesPerCall, long threadsStarted,
            String firstFailure, Cpu cpu, long okCalls) {

        /** The segment's CPU time per call by thread (µs), largest first: "callers 210, ai-tenancy-usage-writer 95". */
        String cpuByThreads() {
            StringBuilder out = new StringBuilder();
            cpu.byThreads().entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .filter(e -> e.getValue() >= 0.5)
                    .forEach(e -> out.append(out.length() == 0 ? "" : ", ")
                            .append(String.format(java.util.Locale.ROOT, "%s %.0f", e.getKey(), e.getValue())));
            return out.toString();
        }

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
     * change saves or costs work even on a loaded machine. {@code byThreads} splits this JVM's share
     * by thread name (digits as {@code #}): "callers" are the harness's calling threads, "JIT, GC and
     * ended threads" what the process spent outside the live Java threads.
     */
    record Cpu(double harnessMicrosPerCall, double standInMicrosPerCall, double databaseMicrosPerCall,
            Map<String, Double> byThreads) {
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

    /**
     * Calls through {@code subject} for {@code leadIn} seconds without measuring, then for
     * {@code seconds} measured (the calls go on without a break), so that a segment's figures leave
     * out its change-over from the state the previous segment left the JVM in.
     */
    Result run(Subject subject, Mode mode, double seconds, double leadIn) throws InterruptedException {
        return switch (mode) {
            case SEQUENTIAL -> sequential(subject, seconds, leadIn);
            case ASYNC64 -> async(subject, seconds, leadIn);
            case BLOCKING64 -> blocking(subject, seconds, leadIn);
        };
    }

    private Result sequential(Subject subject, double seconds, double leadIn) {
        Histogram latency = new Histogram(3);
        Failures failures = new Failures();
        long calls = 0;
        long leadInCalls = 0;
        long leadInEnd = System.nanoTime() + (long) (leadIn * 1e9);
        while (System.nanoTime() < leadInEnd) {
            try {
                subject.call(sequence.incrementAndGet());
            } catch (Exception | Error e) {
                failures.add(e);
            }
            leadInCalls++;
        }
        long leadInFailures = failures.count();
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
        return new Result(subject.name(), Mode.SEQUENTIAL, calls, failures.count(),
                calls - (failures.count() - leadInFailures), (after.nanos - before.nanos) / 1e9, latency,
                (after.callerBytes - before.callerBytes) / (double) calls, after.jvmBytesSince(before) / (double) calls,
                after.startedThreads - before.startedThreads, failures.first(),
                after.cpuSince(before, calls, after.callerCpuNanos - before.callerCpuNanos),
                calls + leadInCalls - failures.count());
    }

    private Result async(Subject subject, double seconds, double leadIn) throws InterruptedException {
        Recorder latency = new Recorder(3);
        LongAdder completed = new LongAdder();
        LongAdder ok = new LongAdder();
        AtomicBoolean measuring = new AtomicBoolean();
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
                if (e != null) {
                    failures.add(e);
                } else {
                    ok.increment();
                }
                if (measuring.get()) { // calls that end within the measured time
                    latency.recordValue(System.nanoTime() - t0);
                    completed.increment();
                }
            }
        }

        for (int k = 0; k < CONCURRENCY; k++) {
            new Loop().next();
        }
        sleepUntil(System.nanoTime() + (long) (leadIn * 1e9));
        latency.reset();
        long failedBefore = failures.count();
        Probe before = Probe.take(standInCpuNanos);
        measuring.set(true);
        sleepUntil(before.nanos + (long) (seconds * 1e9));
        running.set(false);
        long stop = System.nanoTime();
        long inTime = completed.sum() - (failures.count() - failedBefore);
        if (!loopsDone.await(120, TimeUnit.SECONDS)) {
            failures.add(new IllegalStateException("calls still in flight 120 s after the segment ended"));
        }
        Probe after = Probe.take(standInCpuNanos);
        long calls = completed.sum();
        return new Result(subject.name(), Mode.ASYNC64, calls, failures.count(), inTime, (stop - before.nanos) / 1e9,
                latency.getIntervalHistogram(), Double.NaN, after.jvmBytesSince(before) / (double) calls,
                after.startedThreads - before.startedThreads, failures.first(), after.cpuSince(before, calls, 0),
                ok.sum());
    }

    private Result blocking(Subject subject, double seconds, double leadIn) throws InterruptedException {
        LongAdder completed = new LongAdder();
        LongAdder ok = new LongAdder();
        LongAdder measuredFailures = new LongAdder();
        LongAdder callersCpu = new LongAdder();
        AtomicBoolean measuring = new AtomicBoolean();
        long[] callerCpuAtStart = new long[CONCURRENCY];
        Failures failures = new Failures();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch go = new CountDownLatch(1);
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < CONCURRENCY; k++) {
            Histogram h = new Histogram(3);
            histograms.add(h);
            int index = k;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (running.get()) {
                    long t0 = System.nanoTime();
                    boolean measured = measuring.get(); // calls that start within the measured time
                    try {
                        subject.call(sequence.incrementAndGet());
                        ok.increment();
                    } catch (Exception | Error e) {
                        failures.add(e);
                        if (measured) {
                            measuredFailures.increment();
                        }
                    }
                    if (measured) {
                        h.recordValue(System.nanoTime() - t0);
                        completed.increment();
                    }
                }
                callersCpu.add(THREADS.getCurrentThreadCpuTime() - callerCpuAtStart[index]);
            }, "load-caller-" + k);
            threads.add(t);
            t.start();
        }
        go.countDown();
        sleepUntil(System.nanoTime() + (long) (leadIn * 1e9));
        for (int k = 0; k < CONCURRENCY; k++) {
            callerCpuAtStart[k] = THREADS.getThreadCpuTime(threads.get(k).getId());
        }
        Probe before = Probe.take(standInCpuNanos); // the callers are left out: they count their own time
        measuring.set(true);
        sleepUntil(before.nanos + (long) (seconds * 1e9));
        running.set(false);
        long stop = System.nanoTime();
        long inTime = completed.sum() - measuredFailures.sum();
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
                after.startedThreads - before.startedThreads, failures.first(),
                after.cpuSince(before, calls, callersCpu.sum()), ok.sum());
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
            Map<Long, Map.Entry<String, Long>> threadCpu, long callerCpuNanos, long cpuNanos, long standInCpuNanos,
            long databaseCpuNanos) {

        static Probe take(java.util.function.LongSupplier standInCpuNanos) {
            long[] ids = THREADS.getAllThreadIds();
            long[] bytes = THREADS.getThreadAllocatedBytes(ids);
            Map<Long, Long> byThread = new HashMap<>();
            for (int k = 0; k < ids.length; k++) {
                if (bytes[k] >= 0) {
                    byThread.put(ids[k], bytes[k]);
                }
            }
            Map<Long, Map.Entry<String, Long>> cpu = new HashMap<>();
            long self = Thread.currentThread().getId();
            for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(ids)) {
                if (info == null || info.getThreadId() == self || info.getThreadName().startsWith("load-caller-")) {
                    continue; // the callers count their own time
                }
                long t = THREADS.getThreadCpuTime(info.getThreadId());
                if (t >= 0) {
                    cpu.put(info.getThreadId(), Map.entry(info.getThreadName().replaceAll("[0-9]+", "#"), t));
                }
            }
            return new Probe(System.nanoTime(), THREADS.getTotalStartedThreadCount(),
                    THREADS.getThreadAllocatedBytes(self), byThread, cpu, THREADS.getCurrentThreadCpuTime(),
                    OS.getProcessCpuTime(), standInCpuNanos.getAsLong(), postgresCpuNanos());
        }

        /** {@code callersNanos}: what the calling threads spent (they are left out of the threads' own figures). */
        Cpu cpuSince(Probe before, long calls, long callersNanos) {
            Map<String, Double> byThreads = new HashMap<>();
            long counted = callersNanos;
            byThreads.put("callers", callersNanos / 1e3 / calls);
            for (Map.Entry<Long, Map.Entry<String, Long>> e : threadCpu.entrySet()) {
                Map.Entry<String, Long> was = before.threadCpu.get(e.getKey());
                long spent = e.getValue().getValue() - (was == null ? 0 : was.getValue());
                counted += spent;
                byThreads.merge(e.getValue().getKey(), spent / 1e3 / calls, Double::sum);
            }
            byThreads.put("JIT, GC and ended threads", (cpuNanos - before.cpuNanos - counted) / 1e3 / calls);
            return new Cpu((cpuNanos - before.cpuNanos) / 1e3 / calls,
                    (standInCpuNanos - before.standInCpuNanos) / 1e3 / calls,
                    (databaseCpuNanos - before.databaseCpuNanos) / 1e3 / calls, byThreads);
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
