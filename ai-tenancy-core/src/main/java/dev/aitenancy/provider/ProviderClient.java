package dev.aitenancy.provider;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.keys.ApiKey;
import java.util.concurrent.CompletableFuture;

/**
 * Talks to one LLM provider over HTTP. Implementations are thread safe and hold no per-organization
 * state: the organization's key arrives with every request. Futures fail with
 * {@link dev.aitenancy.ProviderException}.
 */
public interface ProviderClient {

    /** The provider this client talks to. */
    ProviderId id();

    /** Sends one request and completes with the whole answer. No thread waits while it runs. */
    CompletableFuture<ProviderResponse> call(ProviderRequest request);

    /** Streams one answer to {@code listener}. Returns at once; events arrive on HTTP client threads. */
    ProviderStream stream(ProviderRequest request, ProviderStreamListener listener);

    /**
     * Checks a key with the provider's cheapest call (one that costs no tokens where the provider
     * has one). Completes normally when the key works, or fails with {@code AI_PROVIDER_AUTH}.
     */
    CompletableFuture<Void> verify(ApiKey key);

    /**
     * Embeds every input of {@code request}, split into as many provider requests as the
     * provider's batch limit needs, inside one deadline; the vectors come back in input order and
     * the tokens are the sum. Fails with {@link dev.aitenancy.ProviderException} like
     * {@link #call}. By default (a provider without an embeddings API, such as Anthropic) it fails
     * at once with {@code AI_CONFIG_INVALID}, sending nothing.
     */
    default CompletableFuture<ProviderEmbeddingResponse> embed(ProviderEmbeddingRequest request) {
        return CompletableFuture.failedFuture(noEmbeddings(id(), request.orgId()));
    }

    /** The failure of {@link #embed} for a provider without an embeddings API. */
    static ConfigurationException noEmbeddings(ProviderId provider, String orgId) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, orgId, "provider " + provider
                + " has no embeddings API; name an embedding model of another provider (openai, gemini, cohere or an "
                + "OpenAI-compatible endpoint), or set the feature's preference to one");
    }
}
