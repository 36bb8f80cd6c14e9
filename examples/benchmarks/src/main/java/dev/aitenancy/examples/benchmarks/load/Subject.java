package dev.aitenancy.examples.benchmarks.load;

import java.util.concurrent.CompletableFuture;

/** One side of a comparison: the bare HttpClient or a governed {@code LLMJob}. */
interface Subject {

    /** A short name for the tables. */
    String name();

    /** Makes call number {@code i} and waits for its answer; throws when it did not succeed. */
    void call(long i) throws Exception;

    /** Starts call number {@code i}; the future fails when it did not succeed. */
    CompletableFuture<?> callAsync(long i);

    /** Waits until work a segment left behind (queued usage records) is done; not timed. */
    default void settle() {
    }

    /**
     * Once its warm-up is over, before any measured round: brings the subject to the state it would
     * be in after running a while (a database's planner statistics); not timed.
     */
    default void afterWarmUp() {
    }
}
