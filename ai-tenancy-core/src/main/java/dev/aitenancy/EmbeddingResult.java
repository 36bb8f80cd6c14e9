package dev.aitenancy;

import dev.aitenancy.guardrails.GuardrailOutcome;
import dev.aitenancy.provider.ProviderId;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The vectors of one embeddings call, as authorized, limited and recorded for its org.
 *
 * @param vectors         one vector per input, in the order of the inputs
 * @param provider        the provider that answered
 * @param model           the model that answered, as the org selected it
 * @param usage           input tokens (output tokens are 0): the provider's count, or, when it
 *                        reports none (Gemini), the estimate ({@code tokensEstimated})
 * @param tokensEstimated whether {@code usage} is an estimate (4 characters a token) rather than
 *                        the provider's count
 * @param cost            list-price cost (input tokens at the input price), or unpriced
 * @param billed          what the org is billed: its tier's rates, else the list price
 * @param latency         from the start of the call to the last vector
 * @param correlationId   the id the call can be traced by (logs, provider, usage record)
 * @param usageRecordId   the id of the call's usage record
 * @param guardrails      what guardrails did to the call; empty when none applied
 */
public record EmbeddingResult(List<float[]> vectors, ProviderId provider, String model, TokenUsage usage,
        boolean tokensEstimated, Cost cost, Cost billed, Duration latency, String correlationId, UUID usageRecordId,
        List<GuardrailOutcome> guardrails) {

    public EmbeddingResult {
        vectors = List.copyOf(vectors);
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
    }

    /** The length of the vectors (0 when there are none). */
    public int dimensions() {
        return vectors.isEmpty() ? 0 : vectors.get(0).length;
    }

    @Override
    public String toString() {
        return "EmbeddingResult[vectors=" + vectors.size() + "x" + dimensions() + ", provider=" + provider + ", model="
                + model + ", usage=" + usage + (tokensEstimated ? " (estimated)" : "") + ", cost=" + cost
                + ", billed=" + billed + ", latency=" + latency + ", correlationId=" + correlationId
                + ", usageRecordId=" + usageRecordId + "]";
    }
}
