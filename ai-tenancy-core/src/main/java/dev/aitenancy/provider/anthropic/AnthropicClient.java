package dev.aitenancy.provider.anthropic;

import dev.aitenancy.TokenUsage;
import dev.aitenancy.provider.ForwardingProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.HttpProviderClient;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}), plain and streamed (named SSE events
 * ending with {@code message_stop}); keys are checked with the free {@code GET /v1/models}.
 *
 * <p>Anthropic reports cache reads and writes apart from {@code input_tokens}; this client adds
 * them in, so {@link TokenUsage#inputTokens()} is the whole prompt as with the other providers.
 */
public final class AnthropicClient extends ForwardingProviderClient {

    /** The origin of Anthropic's API; the client appends {@code /v1/...}. */
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** The API version header value every call carries. */
    public static final String API_VERSION = "2023-06-01";

    /**
     * @throws IllegalArgumentException when the base URL is not an http(s) origin
     */
    public AnthropicClient(ProviderSettings settings) {
        super(new HttpProviderClient(ProviderId.ANTHROPIC, settings, new AnthropicFormat()));
    }

    /** A client for api.anthropic.com with default timeouts and retries. */
    public static AnthropicClient create() {
        return new AnthropicClient(defaultSettings().build());
    }

    /** The environment variable that, when set, replaces {@link #DEFAULT_BASE_URL} in the default settings. */
    public static final String BASE_URL_ENV = "ANTHROPIC_BASE_URL";

    /**
     * Settings pointing at api.anthropic.com (or at {@value #BASE_URL_ENV} when that is set, e.g. a
     * company proxy), to adjust before building.
     */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(ProviderSettings.baseUrlFromEnvironment(BASE_URL_ENV, DEFAULT_BASE_URL));
    }

}
