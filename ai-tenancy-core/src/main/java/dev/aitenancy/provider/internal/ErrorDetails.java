package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.internal.Json;
import java.io.IOException;
import java.time.Duration;

/**
 * What a provider's error body says, as a wire format reads it.
 *
 * @param situation    what the body describes when it says more than the status (a 429 that is a
 *                     quota problem, a 400 that is an invalid key), or null to go by the status
 * @param providerCode the provider's own code or type, or null
 * @param message      the provider's message, or null
 * @param retryAfter   a delay the body asks for (Gemini {@code RetryInfo}), or null
 */
public record ErrorDetails(Situation situation, String providerCode, String message, Duration retryAfter) {

    public static final ErrorDetails NONE = new ErrorDetails(null, null, null, null);

    /** The same details describing {@code s}. */
    public ErrorDetails with(Situation s) {
        return new ErrorDetails(s, providerCode, message, retryAfter);
    }

    /**
     * Reads the shapes most servers use: {@code {"error":{"message","type","code"}}} (OpenAI and
     * compatible servers), {@code {"error":"text"}}, a flat {@code {"message","type"|"code"}} (vLLM,
     * Cohere), and otherwise the raw text. Never fails.
     */
    public static ErrorDetails generic(String body) {
        if (body == null || body.isBlank()) {
            return NONE;
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            JsonNode err = root.path("error");
            if (err.isObject()) {
                String code = Json.text(err.get("code"));
                return new ErrorDetails(null, code != null ? code : Json.text(err.get("type")),
                        Json.text(err.get("message")), null);
            }
            if (err.isTextual()) {
                return new ErrorDetails(null, null, err.asText(), null);
            }
            if (root.isObject() && root.hasNonNull("message")) {
                String type = Json.text(root.get("type"));
                return new ErrorDetails(null, type != null ? type : Json.text(root.get("code")),
                        Json.text(root.get("message")), null);
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        return new ErrorDetails(null, null, body.strip(), null);
    }
}
