package dev.aitenancy;

import java.util.concurrent.CompletableFuture;

/** A running streamed call. */
public interface StreamHandle {

    /**
     * Stops the call. It is recorded as {@code canceled} with the tokens seen so far, and the
     * handler receives an {@link JobEvent.Error} with {@code AI_CANCELED} at once. A stream still
     * being admitted is recorded as canceled (or refused) when its admission ends, and its
     * {@link #completion()} fails then. Idempotent.
     *
     * @return true if this call canceled a running stream
     */
    boolean cancel();

    /**
     * Completes with the result, or fails with the {@link AiTenancyException} the handler saw,
     * after the call's finished record is handed to the usage sink.
     */
    CompletableFuture<JobResult> completion();
}
