package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.JobEvent;
import dev.aitenancy.LLMJob;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 13's stream figures: many governed streams in flight at once in a small heap, every one
 * recorded, and what starting one costs the caller against a bare {@code HttpClient.sendAsync}.
 *
 * <p>The stand-in ({@link StandInServer}, run by a JDK with virtual threads so it can hold every
 * stream open) pauses between a stream's six events, so all streams are open together. The
 * harness starts {@code --streams} governed streams through {@link LLMJob#stream} (in-memory SPIs,
 * every check on, as {@link GovernedJob} sets them up) as fast as it can, samples the used heap
 * every 50 ms, forces a GC once every stream is open to read the live heap, waits for every stream
 * to end and counts the usage records. Then it starts the same number of bare {@code sendAsync}
 * streams of the same request and reads their lines as they arrive (a line subscriber, no thread
 * held per stream). The start cost is the time the caller spends
 * in {@code stream(...)} or {@code sendAsync(...)}, per stream.
 *
 * <p>Run it with the heap the issue names: {@code java -Xmx512m ... StreamsHarness [--streams N]
 * [--gap-ms MS] [--java PATH_TO_A_JAVA_21+]} (the heap limit is the measure, not a setting a host
 * needs).
 */
public final class StreamsHarness {

    private StreamsHarness() {
    }

    public static void main(String[] args) throws Exception {
        // each side leaves its streams' connections idle in its client's pool when it ends (20 min by
        // default): both sides' 10,000 at once do not fit the heap being measured, so they close after 3 s
        System.setProperty("jdk.httpclient.keepalive.timeout", "3");
        Map<String, String> opts = options(args);
        int streams = Integer.parseInt(opts.getOrDefault("streams", "10000"));
        long gapMillis = Long.parseLong(opts.getOrDefault("gap-ms", "1500"));
        String java = opts.getOrDefault("java", newestJava());
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long maxHeap = memory.getHeapMemoryUsage().getMax();
        StringBuilder report = new StringBuilder();
        report.append("# Streams: ").append(streams).append(" governed streams in flight (issue 13)\n\n")
                .append("- date: ").append(Instant.now()).append('\n')
                .append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(", max heap ")
                .append(maxHeap / (1024 * 1024)).append(" MiB, availableProcessors ")
                .append(Runtime.getRuntime().availableProcessors()).append('\n')
                .append("- load average at start: ")
                .append(String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
                .append('\n');
        try (StandInProcess standIn = StandInProcess.start(java, 0, gapMillis)) {
            report.append("- stand-in: ").append(standIn.describe()).append(" (a virtual thread per exchange, ")
                    .append(gapMillis).append(" ms between events)\n");
            GovernedJob job = GovernedJob.open("memory", standIn.baseUri(), 10);
            LLMJob llm = job.llm();
            Phase governed = governed(llm, streams, memory);
            Map<String, Long> records = job.closeAndCount();
            llm = null;
            job = null;
            Thread.sleep(6_000); // the governed side's idle connections close
            System.gc();
            Phase bare = bare(standIn.baseUri(), streams, memory);
            long ok = records.getOrDefault("ok", 0L) - GovernedJob.smokeCalls();
            report.append("- load average at end: ")
                    .append(String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
                    .append("\n\n| side | streams | completed | failed | most open at once | heap used, peak | live heap with all answering (after GC) | start cost per stream, mean | p50 | p99 |\n")
                    .append("|---|---|---|---|---|---|---|---|---|---|\n")
                    .append(governed.row("governed (`LLMJob.stream`)", streams))
                    .append(bare.row("bare (`sendAsync`, lines)", streams))
                    .append("\nusage records `ok` for the streams: ").append(ok).append(" of ").append(streams)
                    .append(ok == streams ? " — every stream recorded" : " — **records missing**").append('\n')
                    .append("heap: max ").append(maxHeap / (1024 * 1024)).append(" MiB; live with every governed stream answering ")
                    .append(governed.liveHeapAllOpen < 0 ? "n/a" : governed.liveHeapAllOpen * 100 / maxHeap + "%")
                    .append(" (a third to spare means at most 66%); highest sample, garbage included, ")
                    .append(governed.peakHeap * 100 / maxHeap).append("%\n")
                    .append("start cost, governed / bare: median ")
                    .append(String.format("%.2f×", (double) governed.startNanos(0.5) / bare.startNanos(0.5)))
                    .append(", mean ")
                    .append(String.format("%.2f×", (double) governed.meanStartNanos() / bare.meanStartNanos()))
                    .append(" (target at most 2×)\n");
        }
        System.out.println(report);
        Path out = Path.of("target", "streams-results.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }

    /** What one side did. */
    private static final class Phase {
        final long[] startNanos;
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger mostOpen = new AtomicInteger();
        /** Streams whose first line or token has arrived: in flight at the provider. */
        final AtomicInteger answering = new AtomicInteger();
        volatile long peakHeap;
        long liveHeapAllOpen = -1;

        Phase(int n) {
            startNanos = new long[n];
        }

        void opened() {
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        }

        void ended(boolean ok) {
            open.decrementAndGet();
            (ok ? completed : failed).incrementAndGet();
        }

        long meanStartNanos() {
            return Arrays.stream(startNanos).sum() / Math.max(1, startNanos.length);
        }

        long startNanos(double quantile) {
            long[] sorted = startNanos.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))];
        }

        String row(String side, int streams) {
            return "| " + side + " | " + streams + " | " + completed.get() + " | " + failed.get() + " | "
                    + mostOpen.get() + " | " + mib(peakHeap) + " | " + (liveHeapAllOpen < 0 ? "n/a" : mib(liveHeapAllOpen))
                    + " | " + micros(meanStartNanos()) + " | " + micros(startNanos(0.5)) + " | "
                    + micros(startNanos(0.99)) + " |\n";
        }
    }

    private static Phase governed(LLMJob llm, int streams, MemoryMXBean memory) throws InterruptedException {
        Phase phase = new Phase(streams);
        CountDownLatch done = new CountDownLatch(streams);
        try (Sampler sampler = new Sampler(memory, phase)) {
            for (int i = 0; i < streams; i++) {
                long t0 = System.nanoTime();
                phase.opened();
                boolean[] first = {true};
                llm.stream(Workload.request(i), event -> {
                    if (first[0]) {
                        first[0] = false;
                        phase.answering.incrementAndGet();
                    }
                    if (event instanceof JobEvent.Done) {
                        phase.ended(true);
                        done.countDown();
                    } else if (event instanceof JobEvent.Error) {
                        phase.ended(false);
                        done.countDown();
                    }
                });
                phase.startNanos[i] = System.nanoTime() - t0;
            }
            phase.liveHeapAllOpen = liveHeapIfAllOpen(memory, phase, streams);
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("streams still open after 10 minutes: " + done.getCount());
            }
        }
        return phase;
    }

    private static Phase bare(URI base, int streams, MemoryMXBean memory) throws InterruptedException {
        Phase phase = new Phase(streams);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"model\":\"" + StandInServer.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Summarize ticket 1 in three bullets\"}],\"max_completion_tokens\":" + Workload.MAX_OUTPUT_TOKENS
                + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .header("Authorization", "Bearer sk-bare-0000000000000000000000")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        List<CompletableFuture<?>> all = new ArrayList<>(streams);
        try (Sampler sampler = new Sampler(memory, phase)) {
            for (int i = 0; i < streams; i++) {
                long t0 = System.nanoTime();
                phase.opened();
                DoneSeen lines = new DoneSeen(phase);
                all.add(http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(lines))
                        .thenAccept(r -> phase.ended(r.statusCode() == 200 && lines.done))
                        .exceptionally(e -> {
                            phase.ended(false);
                            return null;
                        }));
                phase.startNanos[i] = System.nanoTime() - t0;
            }
            phase.liveHeapAllOpen = liveHeapIfAllOpen(memory, phase, streams);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).orTimeout(10, TimeUnit.MINUTES).join();
        }
        return phase;
    }

    /** Reads a stream's lines as they arrive, holding no thread, and notes its {@code [DONE]}. */
    private static final class DoneSeen implements Flow.Subscriber<String> {
        private final Phase phase;
        private boolean first = true;
        volatile boolean done;

        DoneSeen(Phase phase) {
            this.phase = phase;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (first) {
                first = false;
                phase.answering.incrementAndGet();
            }
            if (line.equals("data: [DONE]")) {
                done = true;
            }
        }

        @Override
        public void onError(Throwable failure) {
            done = false;
        }

        @Override
        public void onComplete() {
        }
    }

    /**
     * The heap after a GC once every stream is answering (its first event arrived) and none has
     * ended, or -1 when that moment did not come.
     */
    private static long liveHeapIfAllOpen(MemoryMXBean memory, Phase phase, int streams) throws InterruptedException {
        for (int waited = 0; phase.answering.get() < streams && waited < 600; waited++) {
            Thread.sleep(100);
        }
        if (phase.open.get() < streams || phase.answering.get() < streams) {
            return -1;
        }
        System.gc();
        long used = memory.getHeapMemoryUsage().getUsed();
        return phase.open.get() == streams ? used : -1;
    }

    /** Samples the used heap every 50 ms into the phase's peak. */
    private static final class Sampler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;

        Sampler(MemoryMXBean memory, Phase phase) {
            thread = new Thread(() -> {
                while (!stop) {
                    long used = memory.getHeapMemoryUsage().getUsed();
                    if (used > phase.peakHeap) {
                        phase.peakHeap = used;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            stop = true;
            thread.interrupt();
        }
    }

    private static String newestJava() {
        for (String candidate : new String[] {"/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    private static String mib(long bytes) {
        return bytes / (1024 * 1024) + " MiB";
    }

    private static String micros(long nanos) {
        return String.format("%.1f µs", nanos / 1000.0);
    }
}
