package dev.aitenancy.provider;

import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import java.util.Objects;

/**
 * A provider's complete answer.
 *
 * @param text          the generated text (empty, never null)
 * @param usage         tokens as the provider reported them; unknown parts are null
 * @param finishReason  why generation stopped
 * @param providerModel the model id the provider says answered (may carry a date suffix), or null
 * @param requestId     the provider's request id, for support tickets, or null
 */
public record ProviderResponse(String text, TokenUsage usage, FinishReason finishReason, String providerModel,
        String requestId) {

    public ProviderResponse {
        text = text == null ? "" : text;
        usage = usage == null ? TokenUsage.UNKNOWN : usage;
        finishReason = finishReason == null ? FinishReason.UNKNOWN : finishReason;
        Objects.requireNonNull(text);
    }
}
