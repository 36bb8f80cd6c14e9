package dev.aitenancy.testing;

import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStreamListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records a provider stream: tokens in order, the last usage, and how it ended. */
public final class RecordingListener implements ProviderStreamListener {

    public final List<String> tokens = new CopyOnWriteArrayList<>();
    public volatile TokenUsage lastUsage = TokenUsage.UNKNOWN;
    public final AtomicInteger terminalEvents = new AtomicInteger();
    private final CompletableFuture<ProviderResponse> outcome = new CompletableFuture<>();
    private final CompletableFuture<Void> firstToken = new CompletableFuture<>();

    @Override
    public void onToken(String text) {
        tokens.add(text);
        firstToken.complete(null);
    }

    @Override
    public void onUsage(TokenUsage usage) {
        lastUsage = usage;
    }

    @Override
    public void onComplete(ProviderResponse response) {
        terminalEvents.incrementAndGet();
        outcome.complete(response);
    }

    @Override
    public void onError(ProviderException error) {
        terminalEvents.incrementAndGet();
        outcome.completeExceptionally(error);
    }

    /** Waits (at most 10 s) for the stream to complete and returns the response. */
    public ProviderResponse awaitResponse() throws Exception {
        return outcome.get(10, TimeUnit.SECONDS);
    }

    /** Waits (at most 10 s) for the stream to fail and returns the error. */
    public ProviderException awaitError() throws Exception {
        try {
            ProviderResponse r = outcome.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected the stream to fail, but it completed with: " + r);
        } catch (java.util.concurrent.ExecutionException e) {
            return (ProviderException) e.getCause();
        }
    }

    /** Waits (at most 10 s) for the first token. */
    public void awaitFirstToken() throws Exception {
        firstToken.get(10, TimeUnit.SECONDS);
    }

    /** Whether the stream has ended either way. */
    public boolean ended() {
        return outcome.isDone();
    }

    public String text() {
        return String.join("", tokens);
    }
}
