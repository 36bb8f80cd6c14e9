package dev.aitenancy.provider.cohere;

import dev.aitenancy.provider.ForwardingProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.HttpProviderClient;

/**
 * Cohere's Chat API v2 ({@code POST /v2/chat}), plain and streamed (hyphenated named events ending
 * with {@code message-end}); keys are checked with the free {@code GET /v1/models}.
 *
 * <p>Token counts are Cohere's {@code billed_units} (what the org pays for) where present, else the
 * raw {@code tokens}: the raw input count includes Cohere's own prompt template, which is not billed.
 */
public final class CohereClient extends ForwardingProviderClient {

    /** The origin of Cohere's API; the client appends {@code /v2/chat} and {@code /v1/models}. */
    public static final String DEFAULT_BASE_URL = "https://api.cohere.com";

    /**
     * @throws IllegalArgumentException when the base URL is not an http(s) origin
     */
    public CohereClient(ProviderSettings settings) {
        super(new HttpProviderClient(ProviderId.COHERE, settings, new CohereFormat()));
    }

    /** A client for api.cohere.com with default timeouts and retries. */
    public static CohereClient create() {
        return new CohereClient(defaultSettings().build());
    }

    /** The environment variable that, when set, replaces {@link #DEFAULT_BASE_URL} in the default settings. */
    public static final String BASE_URL_ENV = "COHERE_BASE_URL";

    /**
     * Settings pointing at api.cohere.com (or at {@value #BASE_URL_ENV} when that is set, e.g. a
     * company proxy), to adjust before building.
     */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(ProviderSettings.baseUrlFromEnvironment(BASE_URL_ENV, DEFAULT_BASE_URL));
    }

}
