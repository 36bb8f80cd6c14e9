package dev.aitenancy;

import dev.aitenancy.guardrails.GuardrailOutcome;
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
 */
public record JobResult(String text, ProviderId provider, String model, TokenUsage usage, Cost cost, Cost billed,
        Duration latency, String correlationId, FinishReason finishReason, UUID usageRecordId,
        List<GuardrailOutcome> guardrails) {

    public JobResult {
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
    }

    /** A result no guardrail touched. */
    public JobResult(String text, ProviderId provider, String model, TokenUsage usage, Cost cost, Cost billed,
            Duration latency, String correlationId, FinishReason finishReason, UUID usageRecordId) {
        this(text, provider, model, usage, cost, billed, latency, correlationId, finishReason, usageRecordId,
                List.of());
    }
}
