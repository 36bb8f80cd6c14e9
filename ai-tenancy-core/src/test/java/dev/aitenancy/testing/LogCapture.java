package dev.aitenancy.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures everything written to {@code System.err} (where the test logging configuration writes) while
 * running a block, so a test can scan log output for planted secrets.
 */
public final class LogCapture {

    private LogCapture() {
    }

    /** Runs {@code body} and returns what it wrote to stderr; stderr is passed through as well. */
    public static String stderrOf(ThrowingRunnable body) throws Exception {
        return capture(body, true);
    }

    /**
     * Runs {@code body} and returns what it wrote to stderr, keeping it off the console: for blocks
     * that log expected failures, so a green run stays quiet.
     */
    public static String quietly(ThrowingRunnable body) throws Exception {
        return capture(body, false);
    }

    private static String capture(ThrowingRunnable body, boolean passThrough) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                buffer.write(b);
                if (passThrough) {
                    original.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffer.write(b, off, len);
                if (passThrough) {
                    original.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        try {
            body.run();
        } finally {
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
