package dev.aitenancy.provider.anthropic;

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
import dev.aitenancy.provider.internal.StreamSink;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Locale;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}), plain and streamed (named SSE events
 * ending with {@code message_stop}); keys are checked with the free {@code GET /v1/models}.
 *
 * <p>Anthropic reports cache reads and writes apart from {@code input_tokens}; this client adds
 * them in, so {@link TokenUsage#inputTokens()} is the whole prompt as with the other providers.
 */
public final class AnthropicClient extends HttpProvider {

    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** The API version header value every call carries. */
    public static final String API_VERSION = "2023-06-01";

    public AnthropicClient(ProviderSettings settings) {
        super(ProviderId.ANTHROPIC, settings);
    }

    /** A client for api.anthropic.com with default timeouts and retries. */
    public static AnthropicClient create() {
        return new AnthropicClient(defaultSettings().build());
    }

    /** Settings pointing at api.anthropic.com, to adjust before building. */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(DEFAULT_BASE_URL);
    }

    @Override
    protected HttpRequest.Builder callRequest(ProviderRequest request, boolean stream) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", request.model());
        body.put("max_tokens", request.maxOutputTokens());
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
            body.put("system", request.systemPrompt());
        }
        body.putArray("messages").addObject().put("role", "user").put("content", request.prompt());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (stream) {
            body.put("stream", true);
        }
        return authorize(postJson(endpoint("/v1/messages"), request, body, stream), request.apiKey());
    }

    @Override
    protected HttpRequest.Builder verifyRequest(ApiKey key) {
        return authorize(get(endpoint("/v1/models?limit=1")), key);
    }

    private static HttpRequest.Builder authorize(HttpRequest.Builder b, ApiKey key) {
        return b.header("x-api-key", key.reveal()).header("anthropic-version", API_VERSION);
    }

    @Override
    protected ProviderResponse parseResponse(JsonNode body, HttpHeaders headers) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : body.path("content")) {
            if ("text".equals(Json.text(block.get("type")))) {
                text.append(block.path("text").asText());
            }
        }
        return new ProviderResponse(text.toString(), usage(body.get("usage")),
                finishReason(Json.text(body.get("stop_reason"))), Json.text(body.get("model")),
                headers.firstValue("request-id").orElse(Json.text(body.get("id"))));
    }

    @Override
    protected StreamDecoder streamDecoder(ProviderRequest request) {
        return new StreamDecoder() {
            @Override
            public void onEvent(dev.aitenancy.provider.internal.SseEvent event, StreamSink sink) throws IOException {
                JsonNode data = Json.MAPPER.readTree(event.data());
                String type = event.event() != null ? event.event() : Json.text(data.get("type"));
                if (type == null) {
                    return;
                }
                switch (type) {
                    case "message_start" -> {
                        JsonNode message = data.path("message");
                        sink.model(Json.text(message.get("model")));
                        // the output count here is a placeholder; only the input side is real
                        TokenUsage start = usage(message.get("usage"));
                        sink.usage(new TokenUsage(start.inputTokens(), null, start.cachedInputTokens()));
                    }
                    case "content_block_delta" -> {
                        JsonNode delta = data.path("delta");
                        if ("text_delta".equals(Json.text(delta.get("type")))) {
                            sink.token(Json.text(delta.get("text")));
                        }
                    }
                    case "message_delta" -> {
                        String stop = Json.text(data.path("delta").get("stop_reason"));
                        if (stop != null) {
                            sink.finishReason(finishReason(stop));
                        }
                        sink.usage(usage(data.get("usage")));
                    }
                    case "message_stop" -> sink.complete();
                    case "error" -> {
                        JsonNode err = data.path("error");
                        String errType = Json.text(err.get("type"));
                        String message = Json.text(err.get("message"));
                        ErrorCode code = classify(errType, message, null);
                        sink.fail(code != null ? code : ErrorCode.AI_PROVIDER_UNAVAILABLE, errType, message);
                    }
                    default -> {
                        // ping, content_block_start/stop and event types added later carry nothing we need
                    }
                }
            }

            @Override
            public void onEnd(StreamSink sink) {
                if (!sink.isFinished()) {
                    sink.fail(ErrorCode.AI_PROVIDER_PROTOCOL, null,
                            "the stream ended before message_stop; the answer may be incomplete");
                }
            }
        };
    }

    @Override
    protected ErrorDetails errorDetails(int status, String body) {
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            JsonNode err = root.path("error");
            if (err.isObject()) {
                String type = Json.text(err.get("type"));
                String message = Json.text(err.get("message"));
                String detailCode = Json.text(err.path("details").get("error_code"));
                return new ErrorDetails(classify(type, message, detailCode),
                        detailCode != null ? detailCode : type, message, null);
            }
        } catch (IOException | RuntimeException notJson) {
            // fall back to the generic reading
        }
        return super.errorDetails(status, body);
    }

    /** A precise code where Anthropic's error type or message says more than the status. */
    static ErrorCode classify(String type, String message, String detailCode) {
        String msg = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if ("enforced_spend_limit_reached".equals(detailCode) || "billing_error".equals(type)
                || msg.contains("credit balance") || msg.contains("spend limit")) {
            return ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED;
        }
        if (msg.contains("prompt is too long") || msg.contains("exceed context limit")) {
            return ErrorCode.AI_CONTEXT_TOO_LONG;
        }
        if (type == null) {
            return null;
        }
        return switch (type) {
            case "overloaded_error" -> ErrorCode.AI_PROVIDER_OVERLOADED;
            case "rate_limit_error" -> ErrorCode.AI_PROVIDER_RATE_LIMITED;
            case "authentication_error", "permission_error" -> ErrorCode.AI_PROVIDER_AUTH;
            case "api_error" -> ErrorCode.AI_PROVIDER_UNAVAILABLE;
            case "timeout_error" -> ErrorCode.AI_PROVIDER_TIMEOUT;
            case "invalid_request_error", "not_found_error", "request_too_large" -> ErrorCode.AI_PROVIDER_BAD_REQUEST;
            default -> null;
        };
    }

    /** Anthropic's usage, with cache reads and writes added into the input count. */
    static TokenUsage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return TokenUsage.UNKNOWN;
        }
        Long input = Json.longOrNull(u.get("input_tokens"));
        Long cacheRead = Json.longOrNull(u.get("cache_read_input_tokens"));
        Long cacheWrite = Json.longOrNull(u.get("cache_creation_input_tokens"));
        return new TokenUsage(input == null ? null : Json.sum(input, cacheRead, cacheWrite),
                Json.longOrNull(u.get("output_tokens")), input == null ? null : cacheRead);
    }

    static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.UNKNOWN;
        }
        return switch (reason) {
            case "end_turn", "stop_sequence" -> FinishReason.STOP;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.OTHER;
        };
    }
}
