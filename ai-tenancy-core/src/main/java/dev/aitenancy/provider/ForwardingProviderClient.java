package dev.aitenancy.provider;

import dev.aitenancy.keys.ApiKey;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ProviderClient} that forwards every call to another one: the built-in clients are each
 * a small class over one composed client, and a host can wrap a client the same way (to add
 * headers, logging or a test double) by overriding only what it changes.
 */
public abstract class ForwardingProviderClient implements ProviderClient {

    private final ProviderClient delegate;

    protected ForwardingProviderClient(ProviderClient delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public ProviderId id() {
        return delegate.id();
    }

    @Override
    public CompletableFuture<ProviderResponse> call(ProviderRequest request) {
        return delegate.call(request);
    }

    @Override
    public ProviderStream stream(ProviderRequest request, ProviderStreamListener listener) {
        return delegate.stream(request, listener);
    }

    @Override
    public CompletableFuture<ProviderEmbeddingResponse> embed(ProviderEmbeddingRequest request) {
        return delegate.embed(request);
    }

    @Override
    public CompletableFuture<Void> verify(ApiKey key) {
        return delegate.verify(key);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
