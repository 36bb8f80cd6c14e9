package dev.aitenancy.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting on futures in tests without hanging the build. */
public final class Futures {

    private Futures() {
    }

    /** The value, waiting at most 10 s; a failure is rethrown as its cause. */
    public static <T> T await(CompletableFuture<T> f) throws Throwable {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    /** The exception the future failed with (waiting at most 10 s), or an AssertionError if it succeeded. */
    public static <E extends Throwable> E failure(CompletableFuture<?> f, Class<E> type) throws Exception {
        try {
            Object v = f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a " + type.getSimpleName() + " but the future completed with " + v);
        } catch (ExecutionException e) {
            if (!type.isInstance(e.getCause())) {
                throw new AssertionError("expected a " + type.getSimpleName() + " but got " + e.getCause(),
                        e.getCause());
            }
            return type.cast(e.getCause());
        }
    }
}
