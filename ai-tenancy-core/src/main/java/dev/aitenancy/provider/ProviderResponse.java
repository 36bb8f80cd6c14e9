package dev.aitenancy.provider;

import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.chat.ToolCall;
import java.util.List;
import java.util.Objects;

/**
 * A provider's complete answer.
 *
 * @param text          the generated text (empty, never null); for a JSON answer, the JSON
 * @param usage         tokens as the provider reported them; unknown parts are null
 * @param finishReason  why generation stopped
 * @param providerModel the model id the provider says answered (may carry a date suffix), or null
 * @param requestId     the provider's request id, for support tickets, or null
 * @param toolCalls     the tools the model asked to call, in its order (empty when none)
 */
public record ProviderResponse(String text, TokenUsage usage, FinishReason finishReason, String providerModel,
        String requestId, List<ToolCall> toolCalls) {

    public ProviderResponse {
        text = text == null ? "" : text;
        usage = usage == null ? TokenUsage.UNKNOWN : usage;
        finishReason = finishReason == null ? FinishReason.UNKNOWN : finishReason;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        Objects.requireNonNull(text);
    }

    /** An answer without tool calls. */
    public ProviderResponse(String text, TokenUsage usage, FinishReason finishReason, String providerModel,
            String requestId) {
        this(text, usage, finishReason, providerModel, requestId, List.of());
    }
}
