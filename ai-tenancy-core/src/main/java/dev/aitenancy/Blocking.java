package dev.aitenancy;

import dev.aitenancy.provider.internal.CallerRuns;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** The blocking forms of the calls: started with the provider exchange on this thread, then awaited. */
final class Blocking {

    private Blocking() {
    }

    /**
     * Starts {@code call} so that its provider exchange runs on the calling thread (retries after a
     * backoff excepted) and waits for it; an interrupt cancels the call.
     */
    static <T> T run(Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> f;
        try (CallerRuns onThisThread = CallerRuns.enter()) {
            f = call.get();
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new CanceledException(ErrorCode.AI_CANCELED, null, "the calling thread was interrupted");
        } catch (ExecutionException e) {
            throw CallFailures.asAiException(e.getCause());
        }
    }
}
