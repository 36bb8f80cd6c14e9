package dev.aitenancy.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures everything written to {@code System.err} (where the test logging configuration writes) while
 * running a block, so a test can scan log output for planted secrets.
 */
public final class LogCapture {

    /** Blocks capturing now (see {@link QuietUnlessCaptured}). */
    private static final java.util.concurrent.atomic.AtomicInteger CAPTURING =
            new java.util.concurrent.atomic.AtomicInteger();

    private LogCapture() {
    }

    /** Whether a block is capturing stderr now. */
    public static boolean capturing() {
        return CAPTURING.get() > 0;
    }

    /** Runs {@code body} and returns what it wrote to stderr (kept off the console, as {@link #quietly}). */
    public static String stderrOf(ThrowingRunnable body) throws Exception {
        return capture(body);
    }

    /**
     * Runs {@code body} and returns what it wrote to stderr, keeping it off the console: for blocks
     * that log expected failures, so a green run stays quiet.
     */
    public static String quietly(ThrowingRunnable body) throws Exception {
        return capture(body);
    }

    private static String capture(ThrowingRunnable body) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                buffer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffer.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        CAPTURING.incrementAndGet();
        try {
            body.run();
        } finally {
            CAPTURING.decrementAndGet();
            System.setErr(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** A block that may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
