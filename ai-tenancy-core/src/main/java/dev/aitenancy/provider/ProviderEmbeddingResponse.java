package dev.aitenancy.provider;

import java.util.List;
import java.util.Objects;

/**
 * A provider's embeddings, one vector per input in the order of the inputs.
 *
 * @param vectors         the vectors, {@code vectors.get(i)} for input {@code i}
 * @param inputTokens     the input tokens the provider billed (the sum over every batch), or null
 *                        when unknown
 * @param tokensEstimated true when the provider reports no token counts (Gemini) and
 *                        {@code inputTokens} is the client's estimate: 4 characters a token,
 *                        rounded up, per input
 * @param providerModel   the model id the provider says answered, or null
 */
public record ProviderEmbeddingResponse(List<float[]> vectors, Long inputTokens, boolean tokensEstimated,
        String providerModel) {

    public ProviderEmbeddingResponse {
        vectors = List.copyOf(Objects.requireNonNull(vectors, "vectors"));
    }

    @Override
    public String toString() {
        return "ProviderEmbeddingResponse[vectors=" + vectors.size() + ", inputTokens=" + inputTokens
                + (tokensEstimated ? " (estimated)" : "") + ", providerModel=" + providerModel + "]";
    }
}
