package dev.aitenancy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.guardrails.GuardrailOutcome;
import dev.aitenancy.internal.Json;
import dev.aitenancy.provider.ProviderId;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The answer to one call, as authorized, limited and recorded for its org.
 *
 * @param text          the generated text
 * @param provider      the provider that answered (after any fallback)
 * @param model         the model that answered, as the org selected it
 * @param usage         tokens; unknown parts are null, never zero
 * @param cost          list-price cost, or unpriced
 * @param billed        what the org is billed: its tier's rates, else the list price
 * @param latency       from the start of the call to the last byte
 * @param correlationId the id the call can be traced by (logs, provider, usage record)
 * @param finishReason  why the model stopped
 * @param usageRecordId the id of the call's usage record
 * @param guardrails    what guardrails did to the call (warnings, changes, logged matches); empty
 *                      when none applied
 * @param toolCalls     the tools the model asked the host to call (empty when none); send their
 *                      results back with {@link dev.aitenancy.chat.Message#toolResult} in the next call
 */
public record JobResult(String text, ProviderId provider, String model, TokenUsage usage, Cost cost, Cost billed,
        Duration latency, String correlationId, FinishReason finishReason, UUID usageRecordId,
        List<GuardrailOutcome> guardrails, List<ToolCall> toolCalls) {

    public JobResult {
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A result without tool calls. */
    public JobResult(String text, ProviderId provider, String model, TokenUsage usage, Cost cost, Cost billed,
            Duration latency, String correlationId, FinishReason finishReason, UUID usageRecordId,
            List<GuardrailOutcome> guardrails) {
        this(text, provider, model, usage, cost, billed, latency, correlationId, finishReason, usageRecordId,
                guardrails, List.of());
    }

    /** Whether the model asked to call tools (then {@link #text()} may be empty). */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /**
     * The JSON answer read into {@code type} (a record or bean) with Jackson, for a request that asked
     * for JSON (the answer was checked against its schema before this result was made).
     *
     * @throws OutputInvalidException {@code AI_OUTPUT_INVALID} when the text does not read as
     *                                {@code type}; nothing half-filled is returned
     */
    public <T> T as(Class<T> type) {
        try {
            T value = Json.MAPPER.readValue(text, type);
            if (value == null) {
                throw new OutputInvalidException(null, "the answer is JSON null, not " + type.getSimpleName(),
                        usageRecordId);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new OutputInvalidException(null, "the answer does not read as " + type.getSimpleName() + " ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + ")", usageRecordId);
        }
    }

    /** A result no guardrail touched. */
    public JobResult(String text, ProviderId provider, String model, TokenUsage usage, Cost cost, Cost billed,
            Duration latency, String correlationId, FinishReason finishReason, UUID usageRecordId) {
        this(text, provider, model, usage, cost, billed, latency, correlationId, finishReason, usageRecordId,
                List.of());
    }
}
