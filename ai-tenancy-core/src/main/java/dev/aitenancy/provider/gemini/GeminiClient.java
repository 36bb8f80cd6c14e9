package dev.aitenancy.provider.gemini;

import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.provider.ForwardingProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.HttpProviderClient;

/**
 * Google Gemini's generateContent API (Gemini Developer API keys) under {@code /v1beta}, plain and
 * streamed ({@code :streamGenerateContent?alt=sse}); keys are checked with the free model list. The
 * key travels in the {@code x-goog-api-key} header, never in the URL.
 *
 * <p>Thought tokens are billed as output, so {@link TokenUsage#outputTokens()} is
 * {@code candidatesTokenCount + thoughtsTokenCount}. A prompt Gemini blocks is answered with empty
 * text and {@link FinishReason#CONTENT_FILTER}.
 */
public final class GeminiClient extends ForwardingProviderClient {

    /** The origin of the Gemini Developer API; the client appends {@code /v1beta/...}. */
    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

    /**
     * @throws IllegalArgumentException when the base URL is not an http(s) origin
     */
    public GeminiClient(ProviderSettings settings) {
        super(new HttpProviderClient(ProviderId.GEMINI, settings, new GeminiFormat()));
    }

    /** A client for the Gemini Developer API with default timeouts and retries. */
    public static GeminiClient create() {
        return new GeminiClient(defaultSettings().build());
    }

    /** The environment variable that, when set, replaces {@link #DEFAULT_BASE_URL} in the default settings. */
    public static final String BASE_URL_ENV = "GEMINI_BASE_URL";

    /**
     * Settings pointing at generativelanguage.googleapis.com (or at {@value #BASE_URL_ENV} when that is set, e.g. a
     * company proxy), to adjust before building.
     */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(ProviderSettings.baseUrlFromEnvironment(BASE_URL_ENV, DEFAULT_BASE_URL));
    }

}
