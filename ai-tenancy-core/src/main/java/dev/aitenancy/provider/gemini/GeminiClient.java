package dev.aitenancy.provider.gemini;

import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.provider.internal.HttpProviderClient;
import java.util.concurrent.CompletableFuture;

/**
 * Google Gemini's generateContent API (Gemini Developer API keys) under {@code /v1beta}, plain and
 * streamed ({@code :streamGenerateContent?alt=sse}); keys are checked with the free model list. The
 * key travels in the {@code x-goog-api-key} header, never in the URL.
 *
 * <p>Thought tokens are billed as output, so {@link TokenUsage#outputTokens()} is
 * {@code candidatesTokenCount + thoughtsTokenCount}. A prompt Gemini blocks is answered with empty
 * text and {@link FinishReason#CONTENT_FILTER}.
 */
public final class GeminiClient implements ProviderClient {

    /** The origin of the Gemini Developer API; the client appends {@code /v1beta/...}. */
    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

    private final ProviderClient client;

    /**
     * @throws IllegalArgumentException when the base URL is not an http(s) origin
     */
    public GeminiClient(ProviderSettings settings) {
        this.client = new HttpProviderClient(ProviderId.GEMINI, settings, new GeminiFormat());
    }

    /** A client for the Gemini Developer API with default timeouts and retries. */
    public static GeminiClient create() {
        return new GeminiClient(defaultSettings().build());
    }

    /** Settings pointing at generativelanguage.googleapis.com, to adjust before building. */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(DEFAULT_BASE_URL);
    }

    @Override
    public ProviderId id() {
        return client.id();
    }

    @Override
    public CompletableFuture<ProviderResponse> call(ProviderRequest request) {
        return client.call(request);
    }

    @Override
    public ProviderStream stream(ProviderRequest request, ProviderStreamListener listener) {
        return client.stream(request, listener);
    }

    @Override
    public CompletableFuture<Void> verify(ApiKey key) {
        return client.verify(key);
    }

    @Override
    public String toString() {
        return client.toString();
    }
}
