package dev.aitenancy.provider.internal;

/** Reads one provider's stream events. A new decoder is made for every stream; it may keep state. */
public interface StreamDecoder {

    /** Handles one event. Invalid JSON may be thrown as any exception; it becomes a protocol error. */
    void onEvent(SseEvent event, StreamSink sink) throws Exception;

    /**
     * The body ended. By default a stream that was not completed by an end marker counts as
     * complete (lenient servers omit {@code [DONE]}); providers with a mandatory end event override.
     */
    default void onEnd(StreamSink sink) {
        if (!sink.isFinished()) {
            sink.complete();
        }
    }
}
