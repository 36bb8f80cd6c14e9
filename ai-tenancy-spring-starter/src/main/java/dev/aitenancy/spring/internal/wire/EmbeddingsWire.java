package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.aitenancy.EmbeddingResult;
import dev.aitenancy.spring.internal.wire.GenerateWire.CostView;
import dev.aitenancy.spring.internal.wire.GenerateWire.TokenUsageView;
import java.util.List;

/** The bodies of {@code POST /orgs/{org}/embeddings}. */
public final class EmbeddingsWire {

    private EmbeddingsWire() {
    }

    /**
     * A call: {@code inputs} (the texts, in order; required); {@code provider}, {@code model},
     * {@code feature}, {@code inputType} ({@code search_document}, {@code search_query},
     * {@code classification}, {@code clustering}) and {@code dimensions} as in
     * {@code EmbeddingRequest}; {@code correlationId} wins over the {@code x-correlation-id} header.
     * Fields it does not have are ignored.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EmbeddingsRequest(List<String> inputs, String provider, String model, String feature,
            String inputType, Integer dimensions, String correlationId) {
    }

    /**
     * The answer: one vector per input in input order; {@code usage} has the input tokens (output
     * 0), {@code tokensEstimated} says whether they are an estimate (Gemini reports none).
     */
    public record EmbeddingsResult(List<float[]> vectors, String provider, String model, TokenUsageView usage,
            boolean tokensEstimated, CostView cost, CostView billed, Long latencyMillis, String correlationId,
            String usageRecordId) {

        public static EmbeddingsResult of(EmbeddingResult r) {
            return new EmbeddingsResult(r.vectors(), WireJson.string(r.provider()), r.model(),
                    TokenUsageView.of(r.usage()), r.tokensEstimated(), CostView.of(r.cost()), CostView.of(r.billed()),
                    WireJson.millis(r.latency()), r.correlationId(), WireJson.string(r.usageRecordId()));
        }
    }
}
