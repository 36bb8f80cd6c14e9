package dev.aitenancy.provider;

import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;

/**
 * Receives a streamed answer. Calls arrive one at a time, never concurrently, in this order: any
 * number of {@link #onToken}s and {@link #onUsage}s, then exactly one of {@link #onComplete} or
 * {@link #onError}. After {@link ProviderStream#cancel()} no further call arrives.
 */
public interface ProviderStreamListener {

    /** A piece of generated text. */
    void onToken(String text);

    /** Usage as reported so far; later reports replace earlier ones field by field. */
    default void onUsage(TokenUsage usage) {
    }

    /** The stream ended normally; {@code response.text()} is the whole text. */
    void onComplete(ProviderResponse response);

    /** The stream failed, before or after tokens arrived. */
    void onError(ProviderException error);
}
