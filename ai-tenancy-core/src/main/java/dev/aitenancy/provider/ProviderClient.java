package dev.aitenancy.provider;

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
}
