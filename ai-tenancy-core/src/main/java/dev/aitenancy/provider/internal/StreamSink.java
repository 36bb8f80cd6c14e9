package dev.aitenancy.provider.internal;

import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;

/** What a {@link StreamDecoder} reports from the events of one stream. */
public interface StreamSink {

    /** A piece of generated text; empty pieces are ignored. */
    void token(String text);

    /** Usage seen so far; known fields replace earlier ones, unknown fields keep them. */
    void usage(TokenUsage usage);

    void finishReason(FinishReason reason);

    /**
     * A tool call begins (or is named) at position {@code index} of the answer's calls; its
     * arguments follow in {@link #toolArguments} pieces. A null id or name keeps what was known.
     */
    void toolCall(int index, String id, String name);

    /** A piece of the JSON arguments of the tool call at {@code index}. */
    void toolArguments(int index, String piece);

    /** The model id the provider reports. */
    void model(String model);

    /** The stream ended normally. Further events are ignored. */
    void complete();

    /**
     * The stream failed: the provider reported an error inside it, or it ended without its end
     * marker ({@link Situation#STREAM_CUT}). Further events are ignored.
     *
     * @param providerCode the provider's own code or type, or null
     * @param message      the provider's message, or what is wrong, or null
     */
    void fail(Situation situation, String providerCode, String message);

    /** Whether {@link #complete()} or {@link #fail} was called. */
    boolean isFinished();
}
