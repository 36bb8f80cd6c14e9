package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.examples.benchmarks.load.LoadHarness.Rounds;
import dev.aitenancy.examples.benchmarks.load.Segments.Mode;
import dev.aitenancy.examples.benchmarks.load.Segments.Result;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The harness's markdown: what was run, on what, the tables, and issue 13's targets. */
final class Report {

    Instant started;
    String loadAtStart;
    String loadAtEnd;
    final Map<String, String> loadPerVariant = new java.util.LinkedHashMap<>();
    String command;
    String settings;
    String standIn;
    String standInStats = "";
    long bareRetries;
    long calls;
    long failures;
    List<String> failureNotes = List.of();
    Map<String, Map<String, Long>> records = Map.of();
    Map<String, Long> expectedRecords = Map.of();

    /** Whether every variant stored exactly one {@code ok} record per successful governed call, and nothing else. */
    boolean recordsComplete() {
        for (Map.Entry<String, Long> e : expectedRecords.entrySet()) {
            Map<String, Long> stored = records.getOrDefault(e.getKey(), Map.of());
            if (stored.size() != 1 || !e.getValue().equals(stored.get("ok"))) {
                return false;
            }
        }
        return true;
    }

    /** One line per round for the progress log. */
    static String brief(Rounds rs, int round) {
        Result b = rs.bare().get(round);
        Result g = rs.governed().get(round);
        if (rs.mode() == Mode.SEQUENTIAL) {
            return String.format(Locale.ROOT, "p50 bare %.1f µs, governed %.1f µs (+%.1f); p99 %.1f / %.1f µs",
                    b.p50Micros(), g.p50Micros(), g.p50Micros() - b.p50Micros(), b.p99Micros(), g.p99Micros());
        }
        return String.format(Locale.ROOT, "bare %,.0f calls/s, governed %,.0f calls/s (%.2f×); threads/1k %.1f / %.1f",
                b.callsPerSecond(), g.callsPerSecond(), g.callsPerSecond() / b.callsPerSecond(),
                b.threadsPer1000Calls(), g.threadsPer1000Calls());
    }

    String render(List<Rounds> results) {
        StringBuilder md = new StringBuilder();
        md.append("# Governed call vs bare HttpClient (load harness, issue 13)\n\n");
        md.append("- date: ").append(started).append('\n');
        md.append("- command: `").append(command).append("`\n");
        md.append("- JVM: ").append(LoadHarness.jvmDescription()).append('\n');
        md.append("- load average (1 / 5 / 15 min): ").append(loadAtStart).append(" at the start, ")
                .append(loadAtEnd).append(" at the end");
        loadPerVariant.forEach((variant, load) -> md.append("; ").append(load).append(" when ").append(variant)
                .append(" started"));
        md.append('\n');
        md.append("- stand-in provider: `").append(standIn).append("`\n");
        md.append("- the stand-in counted: `").append(standInStats).append("`\n");
        md.append("- segments: ").append(settings).append("; the round with the median ratio (sequential: median "
                + "added p50) is shown\n");
        md.append("- bare: one JDK HttpClient (HTTP/1.1), `send` / `sendAsync` of the same JSON body, answer read as "
                + "a String, not parsed; governed: `LLMJob.run` / `runAsync` through the library's `OpenAiClient` "
                + "(default settings), every check on\n");
        md.append("- calls: ").append(String.format(Locale.ROOT, "%,d", calls)).append(", failed: ").append(failures)
                .append("; bare calls sent a second time after an I/O error: ").append(bareRetries).append('\n');
        for (String note : failureNotes) {
            md.append("  - ").append(note).append('\n');
        }
        md.append("- usage records after close: ");
        boolean first = true;
        for (Map.Entry<String, Map<String, Long>> e : records.entrySet()) {
            md.append(first ? "" : "; ").append(e.getKey()).append(' ').append(e.getValue())
                    .append(" (expected ok=").append(expectedRecords.get(e.getKey())).append(')');
            first = false;
        }
        md.append(recordsComplete() ? " — complete\n" : " — INCOMPLETE\n");

        md.append("\n## Ratios to the bare client in the same run\n\n");
        md.append("| variant | added p50, sequential | added p99, sequential | throughput, 64 in flight (async) "
                + "| the same, against bare blocking at 64 threads | throughput, 64 threads (blocking) "
                + "| added p99, 64 threads | threads started per 1,000 governed calls (seq / async / blocking) |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (String variant : variants(results)) {
            Optional<Rounds> seq = find(results, variant, Mode.SEQUENTIAL);
            Optional<Rounds> async = find(results, variant, Mode.ASYNC64);
            Optional<Rounds> blocking = find(results, variant, Mode.BLOCKING64);
            md.append("| ").append(variant)
                    .append(" | ").append(seq.map(r -> micros(added(r, false))).orElse("–"))
                    .append(" | ").append(seq.map(r -> micros(added(r, true))).orElse("–"))
                    .append(" | ").append(async.map(Report::ratio).orElse("–"))
                    .append(" | ").append(againstBareBlocking(async, blocking))
                    .append(" | ").append(blocking.map(Report::ratio).orElse("–"))
                    .append(" | ").append(blocking.map(r -> micros(added(r, true))).orElse("–"))
                    .append(" | ").append(threads(seq)).append(" / ").append(threads(async)).append(" / ")
                    .append(threads(blocking)).append(" |\n");
        }

        for (Mode mode : Mode.values()) {
            List<Rounds> of = results.stream().filter(r -> r.mode() == mode).toList();
            if (of.isEmpty()) {
                continue;
            }
            md.append("\n## ").append(mode.label).append(switch (mode) {
                case SEQUENTIAL -> " (one caller, blocking API)";
                case ASYNC64 -> " (64 calls in flight, async API)";
                case BLOCKING64 -> " (64 platform threads, blocking API)";
            }).append("\n\n");
            if (mode == Mode.SEQUENTIAL) {
                md.append("| variant | p50 bare | p50 governed | added p50 (rounds) | p99 bare | p99 governed "
                        + "| added p99 | KB/call on the caller, bare / governed | KB/call in the JVM, bare / governed "
                        + "| threads/1k calls, bare / governed | CPU µs/call, this JVM, bare / governed "
                        + "| CPU µs/call, stand-in, bare / governed |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
                for (Rounds rs : of) {
                    int m = rs.median();
                    Result b = rs.bare().get(m);
                    Result g = rs.governed().get(m);
                    md.append(String.format(Locale.ROOT,
                            "| %s | %.1f µs | %.1f µs | %+.1f µs (%+.1f … %+.1f) | %.1f µs | %.1f µs | %+.1f µs "
                                    + "| %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |\n",
                            rs.variant(), b.p50Micros(), g.p50Micros(), rs.merit(m), rs.minMerit(), rs.maxMerit(),
                            b.p99Micros(), g.p99Micros(), g.p99Micros() - b.p99Micros(), b.callerBytesPerCall() / 1024,
                            g.callerBytesPerCall() / 1024, b.jvmBytesPerCall() / 1024, g.jvmBytesPerCall() / 1024,
                            b.threadsPer1000Calls(), g.threadsPer1000Calls(), b.cpu().harnessMicrosPerCall(),
                            g.cpu().harnessMicrosPerCall(), b.cpu().standInMicrosPerCall(),
                            g.cpu().standInMicrosPerCall()));
                }
            } else {
                md.append("| variant | calls/s bare | calls/s governed | ratio (rounds) | p99 bare | p99 governed "
                        + "| KB/call in the JVM, bare / governed | threads/1k calls, bare / governed "
                        + "| CPU µs/call, this JVM, bare / governed | CPU µs/call, stand-in, bare / governed "
                        + "| CPU µs/call, PostgreSQL processes, governed |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
                for (Rounds rs : of) {
                    int m = rs.median();
                    Result b = rs.bare().get(m);
                    Result g = rs.governed().get(m);
                    md.append(String.format(Locale.ROOT,
                            "| %s | %,.0f | %,.0f | %.2f× (%.2f … %.2f) | %.2f ms | %.2f ms | %.1f / %.1f "
                                    + "| %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f |\n",
                            rs.variant(), b.callsPerSecond(), g.callsPerSecond(), rs.merit(m), rs.minMerit(),
                            rs.maxMerit(), b.p99Micros() / 1000, g.p99Micros() / 1000, b.jvmBytesPerCall() / 1024,
                            g.jvmBytesPerCall() / 1024, b.threadsPer1000Calls(), g.threadsPer1000Calls(),
                            b.cpu().harnessMicrosPerCall(), g.cpu().harnessMicrosPerCall(),
                            b.cpu().standInMicrosPerCall(), g.cpu().standInMicrosPerCall(),
                            g.cpu().databaseMicrosPerCall()));
                }
            }
        }

        md.append("\n## Issue 13's targets\n\n");
        target(md, results, "memory", Mode.SEQUENTIAL, "added p50 ≤ 20 µs", r -> added(r, false) <= 20,
                r -> micros(added(r, false)));
        target(md, results, "memory", Mode.ASYNC64, "≥ 0.9× bare at 64 in flight", r -> merit(r) >= 0.9,
                r -> asyncRatios(results, r));
        memoryThreads(md, results);
        target(md, results, "postgresql", Mode.ASYNC64, "≥ 0.5× bare at 64 in flight", r -> merit(r) >= 0.5,
                r -> asyncRatios(results, r));
        target(md, results, "postgresql", Mode.SEQUENTIAL, "added p99 ≤ 1 ms (sequential)",
                r -> added(r, true) <= 1000, r -> micros(added(r, true)));
        target(md, results, "postgresql", Mode.BLOCKING64, "added p99 ≤ 1 ms (64 threads)",
                r -> added(r, true) <= 1000, r -> micros(added(r, true)));
        target(md, results, "h2", Mode.ASYNC64, "≥ 0.5× bare at 64 in flight", r -> merit(r) >= 0.5,
                r -> asyncRatios(results, r));
        return md.toString();
    }

    private void memoryThreads(StringBuilder md, List<Rounds> results) {
        double worst = 0;
        boolean any = false;
        for (Rounds rs : results) {
            if (rs.variant().equals("memory")) {
                for (Result g : rs.governed()) {
                    worst = Math.max(worst, g.threadsPer1000Calls());
                    any = true;
                }
            }
        }
        if (!any) {
            md.append("- memory, no thread created per call: not measured\n");
            return;
        }
        md.append(String.format(Locale.ROOT,
                "- memory, no thread created per call: at most %.2f threads started per 1,000 governed calls in "
                        + "any measured segment — %s\n",
                worst, worst < 1 ? "**met**" : "**not met**"));
    }

    private static void target(StringBuilder md, List<Rounds> results, String variant, Mode mode, String what,
            java.util.function.Predicate<Rounds> met, java.util.function.Function<Rounds, String> value) {
        Optional<Rounds> rs = find(results, variant, mode);
        md.append("- ").append(variant).append(", ").append(what).append(": ");
        if (rs.isEmpty()) {
            md.append("not measured\n");
            return;
        }
        md.append(value.apply(rs.get())).append(" — ").append(met.test(rs.get()) ? "**met**" : "**not met**")
                .append('\n');
    }

    private static List<String> variants(List<Rounds> results) {
        return results.stream().map(Rounds::variant).distinct().toList();
    }

    private static Optional<Rounds> find(List<Rounds> results, String variant, Mode mode) {
        return results.stream().filter(r -> r.variant().equals(variant) && r.mode() == mode).findFirst();
    }

    private static double merit(Rounds rs) {
        return rs.merit(rs.median());
    }

    /** Governed minus bare, at p50 or p99, in the median round, µs. */
    private static double added(Rounds rs, boolean p99) {
        int m = rs.median();
        Result b = rs.bare().get(m);
        Result g = rs.governed().get(m);
        return p99 ? g.p99Micros() - b.p99Micros() : g.p50Micros() - b.p50Micros();
    }

    private static String micros(double us) {
        return Math.abs(us) >= 1000 ? String.format(Locale.ROOT, "%+.2f ms", us / 1000)
                : String.format(Locale.ROOT, "%+.1f µs", us);
    }

    private static String ratio(Rounds rs) {
        return String.format(Locale.ROOT, "%.2f×", merit(rs));
    }

    /**
     * Governed calls/s at 64 in flight (async) over the bare client's at 64 threads (blocking), each
     * its mode's median round: a stricter floor than {@code sendAsync}, which on 1–2 CPUs starts a
     * thread per response.
     */
    private static String againstBareBlocking(Optional<Rounds> async, Optional<Rounds> blocking) {
        if (async.isEmpty() || blocking.isEmpty()) {
            return "–";
        }
        Rounds a = async.get();
        Rounds b = blocking.get();
        return String.format(Locale.ROOT, "%.2f×", a.governed().get(a.median()).callsPerSecond()
                / b.bare().get(b.median()).callsPerSecond());
    }

    private static String asyncRatios(List<Rounds> results, Rounds async) {
        return ratio(async) + " of bare `sendAsync` (" + againstBareBlocking(Optional.of(async),
                find(results, async.variant(), Mode.BLOCKING64)) + " of bare blocking `send` on 64 threads)";
    }

    private static String threads(Optional<Rounds> rs) {
        return rs.map(r -> String.format(Locale.ROOT, "%.1f", r.governed().get(r.median()).threadsPer1000Calls()))
                .orElse("–");
    }
}
