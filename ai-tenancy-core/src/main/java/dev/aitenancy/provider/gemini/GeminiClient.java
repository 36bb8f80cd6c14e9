package dev.aitenancy.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.ErrorDetails;
import dev.aitenancy.provider.internal.HttpProvider;
import dev.aitenancy.provider.internal.StreamDecoder;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * Google Gemini's generateContent API (Gemini Developer API keys), plain and streamed
 * ({@code :streamGenerateContent?alt=sse}); keys are checked with the free model list. The key
 * travels in the {@code x-goog-api-key} header, never in the URL.
 *
 * <p>Thought tokens are billed as output, so {@link TokenUsage#outputTokens()} is
 * {@code candidatesTokenCount + thoughtsTokenCount}. A prompt Gemini blocks is answered with empty
 * text and {@link FinishReason#CONTENT_FILTER}.
 */
public final class GeminiClient extends HttpProvider {

    public static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

    public GeminiClient(ProviderSettings settings) {
        super(ProviderId.GEMINI, settings);
    }

    /** A client for the Gemini Developer API with default timeouts and retries. */
    public static GeminiClient create() {
        return new GeminiClient(defaultSettings().build());
    }

    /** Settings pointing at generativelanguage.googleapis.com/v1beta, to adjust before building. */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(DEFAULT_BASE_URL);
    }

    @Override
    protected HttpRequest.Builder callRequest(ProviderRequest request, boolean stream) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
            body.putObject("systemInstruction").putArray("parts").addObject().put("text", request.systemPrompt());
        }
        body.putArray("contents").addObject().put("role", "user").putArray("parts").addObject()
                .put("text", request.prompt());
        ObjectNode config = body.putObject("generationConfig");
        config.put("maxOutputTokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            config.put("temperature", request.temperature());
        }
        String model = URLEncoder.encode(request.model(), StandardCharsets.UTF_8);
        String path = "/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        return postJson(endpoint(path), request, body, stream).header("x-goog-api-key", request.apiKey().reveal());
    }

    @Override
    protected HttpRequest.Builder verifyRequest(ApiKey key) {
        return get(endpoint("/models?pageSize=1")).header("x-goog-api-key", key.reveal());
    }

    @Override
    protected ProviderResponse parseResponse(JsonNode body, HttpHeaders headers) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        JsonNode candidate = body.path("candidates").path(0);
        FinishReason finish = candidate.isObject() ? finishReason(Json.text(candidate.get("finishReason")))
                : body.path("promptFeedback").has("blockReason") ? FinishReason.CONTENT_FILTER : FinishReason.UNKNOWN;
        return new ProviderResponse(text(candidate), usage(body.get("usageMetadata")), finish,
                Json.text(body.get("modelVersion")), Json.text(body.get("responseId")));
    }

    @Override
    protected StreamDecoder streamDecoder(ProviderRequest request) {
        return (event, sink) -> {
            JsonNode chunk = Json.MAPPER.readTree(event.data());
            JsonNode error = chunk.get("error");
            if (error != null && error.isObject()) {
                ErrorDetails d = details(error);
                sink.fail(d.code() != null ? d.code() : ErrorCode.AI_PROVIDER_UNAVAILABLE, d.providerCode(),
                        d.message());
                return;
            }
            sink.model(Json.text(chunk.get("modelVersion")));
            JsonNode candidate = chunk.path("candidates").path(0);
            if (candidate.isObject()) {
                sink.token(text(candidate));
                String finish = Json.text(candidate.get("finishReason"));
                if (finish != null) {
                    sink.finishReason(finishReason(finish));
                }
            } else if (chunk.path("promptFeedback").has("blockReason")) {
                sink.finishReason(FinishReason.CONTENT_FILTER);
            }
            JsonNode usage = chunk.get("usageMetadata");
            if (usage != null && usage.isObject()) {
                sink.usage(usage(usage));
            }
        };
    }

    @Override
    protected ErrorDetails errorDetails(int status, String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            if (error.isObject()) {
                return details(error);
            }
        } catch (IOException | RuntimeException notJson) {
            // fall back to the generic reading
        }
        return super.errorDetails(status, body);
    }

    /** Reads a Google RPC status: its reason, retry delay and what they mean. */
    static ErrorDetails details(JsonNode error) {
        String status = Json.text(error.get("status"));
        String message = Json.text(error.get("message"));
        String reason = null;
        Duration retryDelay = null;
        boolean perDayQuota = false;
        for (JsonNode d : error.path("details")) {
            String type = Json.text(d.get("@type"));
            if (type == null) {
                continue;
            }
            if (type.endsWith("google.rpc.ErrorInfo")) {
                reason = Json.text(d.get("reason"));
            } else if (type.endsWith("google.rpc.RetryInfo")) {
                retryDelay = parseDelay(Json.text(d.get("retryDelay")));
            } else if (type.endsWith("google.rpc.QuotaFailure")) {
                for (JsonNode v : d.path("violations")) {
                    String quotaId = Json.text(v.get("quotaId"));
                    if (quotaId != null && quotaId.contains("PerDay")) {
                        perDayQuota = true;
                    }
                }
            }
        }
        String msg = message == null ? "" : message.toLowerCase(Locale.ROOT);
        ErrorCode code;
        if ("API_KEY_INVALID".equals(reason) || "PERMISSION_DENIED".equals(status) || "UNAUTHENTICATED".equals(status)) {
            code = ErrorCode.AI_PROVIDER_AUTH;
        } else if ("RESOURCE_EXHAUSTED".equals(status)) {
            code = perDayQuota ? ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED : ErrorCode.AI_PROVIDER_RATE_LIMITED;
        } else if (msg.contains("input token count") && msg.contains("exceeds")) {
            code = ErrorCode.AI_CONTEXT_TOO_LONG;
        } else if ("UNAVAILABLE".equals(status)) {
            code = msg.contains("overloaded") ? ErrorCode.AI_PROVIDER_OVERLOADED : ErrorCode.AI_PROVIDER_UNAVAILABLE;
        } else if ("DEADLINE_EXCEEDED".equals(status)) {
            code = ErrorCode.AI_PROVIDER_TIMEOUT;
        } else if ("INTERNAL".equals(status)) {
            code = ErrorCode.AI_PROVIDER_UNAVAILABLE;
        } else {
            code = null;
        }
        return new ErrorDetails(code, reason != null ? reason : status, message,
                code == ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED ? null : retryDelay);
    }

    /** {@code "37s"} or {@code "0.5s"} as a duration; null when absent or unreadable. */
    static Duration parseDelay(String delay) {
        if (delay == null || !delay.endsWith("s")) {
            return null;
        }
        try {
            return Duration.ofNanos((long) (Double.parseDouble(delay.substring(0, delay.length() - 1)) * 1e9));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String text(JsonNode candidate) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.has("text") && !part.path("thought").asBoolean(false)) {
                text.append(part.get("text").asText());
            }
        }
        return text.toString();
    }

    static TokenUsage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return TokenUsage.UNKNOWN;
        }
        Long prompt = Json.longOrNull(u.get("promptTokenCount"));
        Long candidates = Json.longOrNull(u.get("candidatesTokenCount"));
        Long thoughts = Json.longOrNull(u.get("thoughtsTokenCount"));
        Long cached = Json.longOrNull(u.get("cachedContentTokenCount"));
        // Gemini leaves zero counts out; once the prompt is known, a missing cache count is zero
        return new TokenUsage(prompt, Json.sum(candidates, thoughts),
                prompt == null ? null : cached == null ? 0L : cached);
    }

    static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.UNKNOWN;
        }
        return switch (reason) {
            case "STOP" -> FinishReason.STOP;
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" ->
                    FinishReason.CONTENT_FILTER;
            case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS" -> FinishReason.TOOL_CALLS;
            default -> FinishReason.OTHER;
        };
    }
}
