package dev.aitenancy.provider.openai;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.provider.internal.ChatCompletionsFormat;
import dev.aitenancy.provider.internal.HttpProviderClient;
import java.util.concurrent.CompletableFuture;

/**
 * OpenAI's Chat Completions API ({@code POST /v1/chat/completions}), plain and streamed with
 * {@code stream_options.include_usage}; keys are checked with {@code GET /v1/models}.
 */
public final class OpenAiClient implements ProviderClient {

    /**
     * The origin of OpenAI's API; the client appends {@code /v1/...}. (The older form
     * {@code https://api.openai.com/v1} is still accepted: a trailing version segment is dropped.)
     */
    public static final String DEFAULT_BASE_URL = "https://api.openai.com";

    private final ProviderClient client;

    /**
     * @throws IllegalArgumentException when the base URL is not an http(s) origin
     */
    public OpenAiClient(ProviderSettings settings) {
        this.client = new HttpProviderClient(ProviderId.OPENAI, settings, ChatCompletionsFormat.OPENAI);
    }

    /** A client for api.openai.com with default timeouts and retries. */
    public static OpenAiClient create() {
        return new OpenAiClient(defaultSettings().build());
    }

    /** Settings pointing at api.openai.com, to adjust before building. */
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
