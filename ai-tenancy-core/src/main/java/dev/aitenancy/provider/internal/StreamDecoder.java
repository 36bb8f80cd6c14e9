package dev.aitenancy.provider.internal;

/** Reads one provider's stream events. A new decoder is made for every stream; it may keep state. */
public interface StreamDecoder {

    /**
     * Handles one event. Invalid JSON may be thrown as any {@code IOException}, a wrong shape as
     * {@link AnswerUnreadable}; either ends the stream with {@code AI_PROVIDER_PROTOCOL}.
     */
    void onEvent(SseEvent event, StreamSink sink) throws Exception;

    /**
     * The body ended. By default a stream that was not completed by an end marker counts as
     * complete (lenient servers omit {@code [DONE]}); a provider with a mandatory end event reports
     * {@link Situation#STREAM_CUT} instead.
     */
    default void onEnd(StreamSink sink) {
        if (!sink.isFinished()) {
            sink.complete();
        }
    }
}
