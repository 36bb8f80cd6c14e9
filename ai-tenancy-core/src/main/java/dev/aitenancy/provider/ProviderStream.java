package dev.aitenancy.provider;

/** A running streamed call. */
public interface ProviderStream {

    /**
     * Stops the stream and closes its connection. Idempotent. After it returns the listener receives
     * nothing more.
     *
     * @return true if this call canceled a running stream, false if it had already ended
     */
    boolean cancel();
}
