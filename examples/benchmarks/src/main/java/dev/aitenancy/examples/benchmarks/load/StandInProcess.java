package dev.aitenancy.examples.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link StandInServer} in a child JVM: this JVM's {@code java} and class path, plus
 * {@code -Dsun.net.httpserver.nodelay=true} (without it the JDK's server waits on Nagle's algorithm
 * and every small answer takes ~40 ms on loopback). It also keeps up to 1,000 idle keep-alive
 * connections for an hour: by default the JDK's server keeps 200 for 30 s and closes the rest
 * without telling the client, whose next POST on such a connection then fails ("header parser
 * received no bytes"); each variant's {@code LLMJob} has its own HttpClient and 64 connections, so a
 * full run holds more than 200. The child is stopped on {@link #close()}, by a
 * shutdown hook if this JVM exits first, and by itself when its stdin closes.
 */
final class StandInProcess implements AutoCloseable {

    private final Process process;
    private final Thread hook;
    private final int port;
    private final List<String> command;

    private StandInProcess(Process process, Thread hook, int port, List<String> command) {
        this.process = process;
        this.hook = hook;
        this.port = port;
        this.command = command;
    }

    static StandInProcess start(int threads) throws IOException {
        return start(Path.of(System.getProperty("java.home"), "bin", "java").toString(), threads, 0);
    }

    /**
     * A stand-in run by {@code java} (another JDK's, e.g. one with virtual threads for {@code threads}
     * 0), pausing {@code streamGapMillis} between a stream's events.
     */
    static StandInProcess start(String java, int threads, long streamGapMillis) throws IOException {
        List<String> command = List.of(java, "-Dsun.net.httpserver.nodelay=true",
                "-Dsun.net.httpserver.maxIdleConnections=" + (threads == 0 ? 20_000 : 1000),
                "-Dsun.net.httpserver.idleInterval=3600", "-Dstandin.streamGapMillis=" + streamGapMillis, "-cp",
                System.getProperty("java.class.path"), StandInServer.class.getName(), Integer.toString(threads));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread hook = new Thread(process::destroyForcibly, "stand-in-stopper");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null) {
                throw new IOException("the stand-in exited before printing its port (exit "
                        + process.waitFor() + ")");
            }
            return new StandInProcess(process, hook, Integer.parseInt(first.strip()), command);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the stand-in started", e);
        }
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** What the stand-in counted (see {@link StandInServer}), or why that could not be read. */
    String stats() {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) baseUri().resolve("/stats").toURL()
                    .openConnection();
            try (java.io.InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return "stats unavailable: " + e;
        }
    }

    /** The stand-in process's CPU time so far, in nanoseconds (clock-tick resolution), or 0 when unknown. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    long pid() {
        return process.pid();
    }

    /** The child's command line, the class path shortened. */
    String describe() {
        return String.join(" ", command.get(0), command.get(1), command.get(2), command.get(3), command.get(4),
                "-cp <harness class path>", command.get(7), command.get(8));
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // end of stdin: the server stops by itself
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
