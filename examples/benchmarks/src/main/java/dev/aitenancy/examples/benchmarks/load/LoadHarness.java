package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.examples.benchmarks.Databases;
import dev.aitenancy.examples.benchmarks.load.Segments.Mode;
import dev.aitenancy.examples.benchmarks.load.Segments.Result;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Issue 13's load harness: the governed call ({@code LLMJob} with every check on, in memory, on H2
 * and on PostgreSQL) against the bare JDK {@code HttpClient}, both calling a stand-in OpenAI server
 * in a JVM of its own, measured interleaved in one run, with this JVM on its default settings.
 *
 * <p>For each variant and mode: a warm-up of each side (at least {@value #WARM_UP_CALLS} calls, and
 * until the JIT compilers rest), then rounds of one bare and one governed
 * segment (the order alternates from round to round); the round with the median ratio is reported.
 * Before each segment the usage writer is drained, so neither side pays for the other's records;
 * and each segment calls for a lead-in (1 s) before it measures, so its figures leave out the
 * change-over from the other side. No GC is requested between segments unless {@code --gc-between
 * yes}: a full GC shrank the heap, and the segment that grew it again paid for touching the new
 * pages (up to three times the CPU per call, whichever side it was; see BENCHMARKS.md).
 *
 * <pre>
 * --variants memory,h2,postgresql   (default: memory,h2, plus postgresql when AI_TENANCY_TEST_PG_URL is set)
 * --modes sequential,async64,blocking64
 * --seconds 4       length of each measured segment
 * --warmup 4        length of each side's warm-up, per variant and mode
 * --lead-in 1       seconds each measured segment calls before it starts measuring
 * --rounds 3        measured rounds per variant and mode
 * --gc-between no   yes: request a full GC after each segment (the harness's way before 2026-12-02)
 * --pool 10         HikariCP pool size (HikariCP's default)
 * --server-threads 24
 * --out FILE        default: load-results.md in this module's build directory
 * </pre>
 *
 * Exits 1 when any call failed or a usage record is missing.
 */
public final class LoadHarness {

    /**
     * A warm-up segment goes on while the JIT compilers spent more than this share of its length
     * compiling (summed over compiler threads), at most ten segments per side.
     */
    private static final double STILL_COMPILING = 0.05;

    /** Calls each side makes at least in its warm-up (the library's provider pool has 64 threads on Java 17). */
    static final long WARM_UP_CALLS = 256;

    /** {@code -Dload.segmentTimes=true}: log when each measured segment started and ended. */
    private static final boolean SEGMENT_TIMES = Boolean.getBoolean("load.segmentTimes");
    /** {@code --gc-between yes}: request a full GC after each segment. */
    private static boolean gcBetween;

    private LoadHarness() {
    }

    /** One variant's rounds in one mode. */
    record Rounds(String variant, Mode mode, List<Result> bare, List<Result> governed) {

        /** The index of the round with the median figure of merit. */
        int median() {
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < bare.size(); k++) {
                order.add(k);
            }
            order.sort((a, b) -> Double.compare(merit(a), merit(b)));
            return order.get((order.size() - 1) / 2);
        }

        /** Sequential: added p50 (µs). Throughput modes: governed calls/s over bare calls/s. */
        double merit(int round) {
            return mode == Mode.SEQUENTIAL ? governed.get(round).p50Micros() - bare.get(round).p50Micros()
                    : governed.get(round).callsPerSecond() / bare.get(round).callsPerSecond();
        }

        double minMerit() {
            double min = Double.POSITIVE_INFINITY;
            for (int k = 0; k < bare.size(); k++) {
                min = Math.min(min, merit(k));
            }
            return min;
        }

        double maxMerit() {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < bare.size(); k++) {
                max = Math.max(max, merit(k));
            }
            return max;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        List<String> variants = List.of(options.getOrDefault("variants",
                Databases.postgresqlConfigured() ? "memory,h2,postgresql" : "memory,h2").split(","));
        List<Mode> modes = new ArrayList<>();
        for (String m : options.getOrDefault("modes", "sequential,async64,blocking64").split(",")) {
            modes.add(Mode.of(m.strip()));
        }
        double seconds = Double.parseDouble(options.getOrDefault("seconds", "4"));
        double warmup = Double.parseDouble(options.getOrDefault("warmup", "4"));
        double leadIn = Double.parseDouble(options.getOrDefault("lead-in", "1"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        gcBetween = switch (options.getOrDefault("gc-between", "no")) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException("--gc-between takes yes or no");
        };
        int pool = Integer.parseInt(options.getOrDefault("pool", "10"));
        int serverThreads = Integer.parseInt(options.getOrDefault("server-threads", "24"));
        Path out = options.containsKey("out") ? Path.of(options.get("out")) : defaultOutput();
        for (String v : variants) {
            if (!List.of("memory", "h2", "postgresql").contains(v)) {
                throw new IllegalArgumentException("unknown variant " + v + " (memory, h2, postgresql)");
            }
        }

        Report report = new Report();
        report.started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        report.loadAtStart = loadAverage();
        report.command = command(args);
        report.settings = String.format(Locale.ROOT,
                "warm-up %s s per side, repeated (at most 10 times) until it made at least %d calls and the JIT"
                        + " compilers spent under 5%% of it compiling, then %d rounds of %s s per side (order alternating),"
                        + " each measured after a lead-in of %s s of calls, per variant and mode; HikariCP pool %d;"
                        + " between segments the usage writer is drained%s",
                trim(warmup), WARM_UP_CALLS, rounds, trim(seconds), trim(leadIn), pool,
                gcBetween ? " and a GC is requested" : " (no GC requested)");
        List<Rounds> results = new ArrayList<>();
        Map<String, Map<String, Long>> records = new LinkedHashMap<>();
        Map<String, Long> expected = new LinkedHashMap<>();
        long failures = 0;
        long calls = 0;
        List<String> failureNotes = new ArrayList<>();
        try (StandInProcess server = StandInProcess.start(serverThreads)) {
            Segments segments = new Segments(server::cpuNanos);
            report.standIn = server.describe() + " (pid " + server.pid() + ", " + serverThreads + " handler threads)";
            BareClient bare = new BareClient(server.baseUri());
            for (String variant : variants) {
                log("setting up " + variant);
                report.loadPerVariant.put(variant, loadAverage());
                GovernedJob job = GovernedJob.open(variant, server.baseUri(), pool);
                long governedOk = GovernedJob.smokeCalls();
                try {
                    for (Mode mode : modes) {
                        log(variant + " " + mode.label + ": warm-up");
                        for (Subject s : List.of(bare, job)) {
                            // at least 256 calls, so pools that start a thread per task until full are full,
                            // and until the JIT is done with this side's code: a JVM that starts with the
                            // 64-thread mode alone still compiled for half a minute after a 4 s warm-up
                            long warmed = 0;
                            boolean compiling = true;
                            int k = 0;
                            for (; k < 10 && (k == 0 || warmed < WARM_UP_CALLS || compiling); k++) {
                                long compiledBefore = compilationMillis();
                                Result r = measure(segments, s, mode, warmup, 0);
                                compiling = compilationMillis() - compiledBefore > STILL_COMPILING * warmup * 1000;
                                warmed += r.calls();
                                calls += r.okCalls() + r.failures();
                                failures += r.failures();
                                governedOk += s == job ? r.okCalls() : 0;
                                note(failureNotes, variant, r);
                            }
                            s.afterWarmUp();
                            log(String.format(Locale.ROOT, "%s %s: %s warmed up in %d segment(s)%s", variant,
                                    mode.label, s.name(), k, compiling ? ", the JIT still compiling" : ""));
                        }
                        Rounds rs = new Rounds(variant, mode, new ArrayList<>(), new ArrayList<>());
                        for (int round = 0; round < rounds; round++) {
                            List<Subject> order = round % 2 == 0 ? List.of(bare, job) : List.of(job, bare);
                            for (Subject s : order) {
                                Result r = measure(segments, s, mode, seconds, leadIn);
                                calls += r.okCalls() + r.failures();
                                failures += r.failures();
                                governedOk += s == job ? r.okCalls() : 0;
                                note(failureNotes, variant, r);
                                (s == job ? rs.governed() : rs.bare()).add(r);
                            }
                            log(String.format(Locale.ROOT, "%s %s round %d: %s", variant, mode.label, round + 1,
                                    Report.brief(rs, round)));
                            log(String.format(Locale.ROOT, "%s %s round %d: CPU µs/call by thread, bare: %s; "
                                    + "governed: %s", variant, mode.label, round + 1,
                                    rs.bare().get(round).cpuByThreads(), rs.governed().get(round).cpuByThreads()));
                        }
                        results.add(rs);
                    }
                } finally {
                    log(variant + ": closing the usage sink and counting records");
                    records.put(variant, job.closeAndCount());
                    expected.put(variant, governedOk);
                }
            }
            report.standInStats = server.stats();
            report.bareRetries = bare.retries();
        }
        report.loadAtEnd = loadAverage();
        report.calls = calls;
        report.failures = failures;
        report.failureNotes = failureNotes;
        report.records = records;
        report.expectedRecords = expected;
        String markdown = report.render(results);
        System.out.println(markdown);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, markdown, StandardCharsets.UTF_8);
        log("written to " + out.toAbsolutePath());
        if (failures > 0 || !report.recordsComplete()) {
            log("FAILED: " + failures + " calls failed" + (report.recordsComplete() ? "" : "; usage records missing"));
            System.exit(1);
        }
    }

    private static Result measure(Segments segments, Subject subject, Mode mode, double seconds, double leadIn)
            throws InterruptedException {
        Instant start = Instant.now();
        Result r = segments.run(subject, mode, seconds, leadIn);
        if (SEGMENT_TIMES) { // to find a segment in a flight recording
            log(String.format(Locale.ROOT, "segment %s %s: %s to %s (JVM uptime %.3f s)", subject.name(), mode.label,
                    start, Instant.now(), java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3));
        }
        subject.settle();
        if (gcBetween) {
            System.gc();
        }
        return r;
    }

    private static void note(List<String> notes, String variant, Result r) {
        if (r.failures() > 0) {
            String line = variant + " " + r.mode().label + " " + r.subject() + ": " + r.failures() + " failed, first: "
                    + r.firstFailure();
            notes.add(line);
            log(line);
        }
    }

    /** Milliseconds the JIT compilers have spent so far (0 when the JVM does not say). */
    private static long compilationMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int k = 0; k < args.length; k++) {
            String a = args[k];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a + " (options are --name value)");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (k + 1 < args.length) {
                value = args[++k];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!List.of("variants", "modes", "seconds", "warmup", "lead-in", "rounds", "gc-between", "pool",
                    "server-threads", "out")
                    .contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            options.put(name, value);
        }
        return options;
    }

    /** load-results.md next to this class's output directory: {@code target*}/load-results.md. */
    private static Path defaultOutput() throws URISyntaxException {
        Path classes = Path.of(LoadHarness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return classes.getParent().resolve("load-results.md");
    }

    /** The command as scripts/load.sh ran it, else this JVM's own command line. */
    private static String command(String[] args) {
        String given = System.getenv("AI_TENANCY_LOAD_COMMAND");
        if (given != null && !given.isBlank()) {
            return given;
        }
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        return "java " + (jvm.isEmpty() ? "" : String.join(" ", jvm) + " ") + "-cp <class path> "
                + LoadHarness.class.getName() + (args.length == 0 ? "" : " " + String.join(" ", args));
    }

    /** The 1, 5 and 15 minute load averages. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " / " + parts[1] + " / " + parts[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f (1 min)",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    static String jvmDescription() {
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        return System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.vendor")
                + "), JVM flags: " + (flags.isEmpty() ? "none" : String.join(" ", flags))
                + String.format(Locale.ROOT, "; availableProcessors %d; common pool parallelism %d; max heap %d MiB",
                        Runtime.getRuntime().availableProcessors(), ForkJoinPool.getCommonPoolParallelism(),
                        Runtime.getRuntime().maxMemory() >> 20);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static void log(String line) {
        System.err.println("load: " + line);
        System.err.flush();
    }
}
