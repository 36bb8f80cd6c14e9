package dev.aitenancy.provider;

import dev.aitenancy.keys.ApiKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One embeddings call to a provider, after the library has resolved the model and the
 * organization's key. The client splits {@code inputs} into the provider's batches itself.
 *
 * @param orgId         the organization the call is made for (for error attribution only)
 * @param model         the provider's model id, e.g. {@code text-embedding-3-small}
 * @param inputs        the texts to embed, in order; not empty, no text empty
 * @param apiKey        the organization's key for this provider
 * @param correlationId sent as {@code x-correlation-id}
 * @param timeout       the deadline of the whole call, every batch, retry and backoff included;
 *                      {@code null} uses the client's {@link ProviderSettings#requestTimeout()}
 * @param inputType     what the texts are for, in Cohere's words ({@code search_document},
 *                      {@code search_query}, {@code classification}, {@code clustering}), or null
 *                      ({@code search_document} for Cohere, which requires one; Gemini gets the
 *                      matching {@code taskType}; OpenAI has no such field)
 * @param dimensions    the length of the vectors asked for (models that can shorten them), or null
 */
public record ProviderEmbeddingRequest(String orgId, String model, List<String> inputs, ApiKey apiKey,
        String correlationId, Duration timeout, String inputType, Integer dimensions) {

    public ProviderEmbeddingRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(apiKey, "apiKey");
        inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("an embeddings request needs at least one input");
        }
        if (dimensions != null && dimensions <= 0) {
            throw new IllegalArgumentException("dimensions must be > 0");
        }
    }

    /** A request without an input type or dimensions. */
    public ProviderEmbeddingRequest(String orgId, String model, List<String> inputs, ApiKey apiKey,
            String correlationId, Duration timeout) {
        this(orgId, model, inputs, apiKey, correlationId, timeout, null, null);
    }

    /** This request for {@code batch} only (one provider request's worth of inputs). */
    public ProviderEmbeddingRequest withInputs(List<String> batch) {
        return new ProviderEmbeddingRequest(orgId, model, batch, apiKey, correlationId, timeout, inputType, dimensions);
    }

    @Override
    public String toString() { // inputs may be long and personal, the key is the key's own business
        return "ProviderEmbeddingRequest[org=" + orgId + ", model=" + model + ", inputs=" + inputs.size()
                + ", correlationId=" + correlationId + "]";
    }
}
