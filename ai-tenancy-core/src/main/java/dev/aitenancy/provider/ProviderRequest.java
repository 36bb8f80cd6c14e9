package dev.aitenancy.provider;

import dev.aitenancy.keys.ApiKey;
import java.time.Duration;
import java.util.Objects;

/**
 * One call to a provider, after the library has resolved the model and the organization's key.
 *
 * @param orgId           the organization the call is made for (for error attribution only)
 * @param model           the provider's model id, e.g. {@code gpt-4.1-mini}
 * @param systemPrompt    optional system instruction
 * @param prompt          the rendered user prompt
 * @param maxOutputTokens the output cap, already clamped
 * @param temperature     sampling temperature, or {@code null} to send none
 * @param apiKey          the organization's key for this provider
 * @param correlationId   sent as {@code x-correlation-id}
 * @param timeout         the deadline of the call, retries and backoff included; for a stream, the
 *                        deadline of its first token and then the longest silence allowed between
 *                        events; zero or negative fails at once with {@code AI_PROVIDER_TIMEOUT};
 *                        {@code null} uses the client's {@link ProviderSettings#requestTimeout()}
 */
public record ProviderRequest(String orgId, String model, String systemPrompt, String prompt, int maxOutputTokens,
        Double temperature, ApiKey apiKey, String correlationId, Duration timeout) {

    public ProviderRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(apiKey, "apiKey");
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
    }
}
