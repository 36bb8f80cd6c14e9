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
 * @param timeout         overall time allowed for a non-streamed answer, and the longest silence
 *                        allowed inside a stream; {@code null} uses the client's default
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
