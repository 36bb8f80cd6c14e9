package dev.aitenancy.provider.internal;

/**
 * Marks the thread of a blocking call ({@code LLMJob.run}) while it starts the call: a provider
 * attempt started meanwhile runs its {@code HttpClient.send} on that thread instead of handing it to
 * {@link ProviderThreads#calls()} and waiting for the answer to come back — the caller would only
 * wait anyway, and two thread hand-offs per call are gone. Retries after a backoff, streams and
 * {@code runAsync} are not affected. An interrupt of the caller's thread still cancels the call.
 */
public final class CallerRuns implements AutoCloseable {

    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();
    private static final CallerRuns CLOSER = new CallerRuns();

    private CallerRuns() {
    }

    /** Marks this thread until {@link #close()}; use with try-with-resources. */
    public static CallerRuns enter() {
        ACTIVE.set(Boolean.TRUE);
        return CLOSER;
    }

    static boolean active() {
        return ACTIVE.get() != null;
    }

    @Override
    public void close() {
        ACTIVE.remove();
    }
}
