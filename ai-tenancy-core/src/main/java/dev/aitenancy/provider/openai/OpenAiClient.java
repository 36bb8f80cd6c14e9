package dev.aitenancy.provider.openai;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.ChatCompletionsProvider;

/**
 * OpenAI's Chat Completions API ({@code POST /v1/chat/completions}), plain and streamed with
 * {@code stream_options.include_usage}; keys are checked with {@code GET /v1/models}.
 */
public final class OpenAiClient extends ChatCompletionsProvider {

    public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

    public OpenAiClient(ProviderSettings settings) {
        super(ProviderId.OPENAI, settings, "/chat/completions", "/models", Auth.BEARER, "max_completion_tokens",
                true);
    }

    /** A client for api.openai.com with default timeouts and retries. */
    public static OpenAiClient create() {
        return new OpenAiClient(defaultSettings().build());
    }

    /** Settings pointing at api.openai.com, to adjust before building. */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(DEFAULT_BASE_URL);
    }
}
