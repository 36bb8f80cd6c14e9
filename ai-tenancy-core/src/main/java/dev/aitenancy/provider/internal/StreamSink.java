package dev.aitenancy.provider.internal;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;

/** What a {@link StreamDecoder} reports from the events of one stream. */
public interface StreamSink {

    /** A piece of generated text; empty pieces are ignored. */
    void token(String text);

    /** Usage seen so far; known fields replace earlier ones, unknown fields keep them. */
    void usage(TokenUsage usage);

    void finishReason(FinishReason reason);

    /** The model id the provider reports. */
    void model(String model);

    /** The stream ended normally. Further events are ignored. */
    void complete();

    /** The provider reported an error inside the stream. Further events are ignored. */
    void fail(ErrorCode code, String providerCode, String message);

    /** Whether {@link #complete()} or {@link #fail} was called. */
    boolean isFinished();
}
