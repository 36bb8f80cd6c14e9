package dev.aitenancy.provider.openai;

import dev.aitenancy.provider.ForwardingProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.ChatCompletionsFormat;
import dev.aitenancy.provider.internal.HttpProviderClient;

/**
 * OpenAI's Chat Completions API ({@code POST /v1/chat/completions}), plain and streamed with
 * {@code stream_options.include_usage}; keys are checked with {@code GET /v1/models}.
 */
public final class OpenAiClient extends ForwardingProviderClient {

    /**
     * The origin of OpenAI's API; the client appends {@code /v1/...}. (The older form
     * {@code https://api.openai.com/v1} is still accepted: a trailing version segment is dropped.)
     */
    public static final String DEFAULT_BASE_URL = "https://api.openai.com";

    /**
     * @throws IllegalArgumentException when the base URL is not an http(s) origin
     */
    public OpenAiClient(ProviderSettings settings) {
        super(new HttpProviderClient(ProviderId.OPENAI, settings, ChatCompletionsFormat.OPENAI));
    }

    /** A client for api.openai.com with default timeouts and retries. */
    public static OpenAiClient create() {
        return new OpenAiClient(defaultSettings().build());
    }

    /** The environment variable that, when set, replaces {@link #DEFAULT_BASE_URL} in the default settings. */
    public static final String BASE_URL_ENV = "OPENAI_BASE_URL";

    /**
     * Settings pointing at api.openai.com (or at {@value #BASE_URL_ENV} when that is set, e.g. a
     * company proxy), to adjust before building.
     */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(ProviderSettings.baseUrlFromEnvironment(BASE_URL_ENV, DEFAULT_BASE_URL));
    }

}
