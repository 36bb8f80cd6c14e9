package dev.aitenancy.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.internal.AnswerUnreadable;
import dev.aitenancy.provider.internal.Endpoint;
import dev.aitenancy.provider.internal.ErrorDetails;
import dev.aitenancy.provider.internal.SseEvent;
import dev.aitenancy.provider.internal.Situation;
import dev.aitenancy.provider.internal.StreamDecoder;
import dev.aitenancy.provider.internal.StreamSink;
import dev.aitenancy.provider.internal.WireFormat;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Locale;

/** Anthropic's Messages API on the wire: {@code POST /v1/messages}, named SSE events, {@code GET /v1/models}. */
final class AnthropicFormat implements WireFormat {

    @Override
    public HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream)
            throws IOException {
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
        return authorize(endpoint.postJson("/v1/messages", request, body, stream), request.apiKey());
    }

    @Override
    public HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key) {
        return authorize(endpoint.get("/v1/models?limit=1"), key);
    }

    private static HttpRequest.Builder authorize(HttpRequest.Builder b, ApiKey key) {
        return b.header("x-api-key", key.reveal()).header("anthropic-version", AnthropicClient.API_VERSION);
    }

    @Override
    public ProviderResponse answer(JsonNode body, HttpHeaders headers) {
        if (!body.isObject()) {
            throw new AnswerUnreadable("expected a JSON object");
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
    public StreamDecoder streamDecoder() {
        return new StreamDecoder() {
            @Override
            public void onEvent(SseEvent event, StreamSink sink) throws IOException {
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
                        ErrorDetails d = details(data.path("error"));
                        sink.fail(d.situation() != null ? d.situation() : Situation.SERVER_ERROR, d.providerCode(),
                                d.message());
                    }
                    default -> {
                        // ping, content_block_start/stop and event types added later carry nothing we need
                    }
                }
            }

            @Override
            public void onEnd(StreamSink sink) {
                if (!sink.isFinished()) {
                    sink.fail(Situation.STREAM_CUT, null, "ended before message_stop; the answer may be incomplete");
                }
            }
        };
    }

    @Override
    public ErrorDetails errorDetails(int status, String body) {
        try {
            JsonNode err = Json.MAPPER.readTree(body).path("error");
            if (err.isObject()) {
                return details(err);
            }
        } catch (IOException | RuntimeException notJson) {
            // fall back to the generic reading
        }
        return ErrorDetails.generic(body);
    }

    /** Reads {@code {"type","message","details":{"error_code"}}}: what Anthropic's type or message says. */
    static ErrorDetails details(JsonNode err) {
        String type = Json.text(err.get("type"));
        String message = Json.text(err.get("message"));
        String detailCode = Json.text(err.path("details").get("error_code"));
        return new ErrorDetails(situation(type, message, detailCode), detailCode != null ? detailCode : type,
                message, null);
    }

    private static Situation situation(String type, String message, String detailCode) {
        String msg = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if ("enforced_spend_limit_reached".equals(detailCode) || "billing_error".equals(type)
                || msg.contains("credit balance") || msg.contains("spend limit")) {
            return Situation.QUOTA_EXHAUSTED;
        }
        if (msg.contains("prompt is too long") || msg.contains("exceed context limit")) {
            return Situation.CONTEXT_TOO_LONG;
        }
        if ("not_found_error".equals(type) && msg.contains("model")) {
            return Situation.MODEL_NOT_FOUND;
        }
        if (type == null) {
            return null;
        }
        return switch (type) {
            case "overloaded_error" -> Situation.OVERLOADED;
            case "rate_limit_error" -> Situation.RATE_LIMITED;
            case "authentication_error" -> Situation.KEY_REFUSED;
            case "permission_error" -> Situation.NOT_PERMITTED;
            case "api_error" -> Situation.SERVER_ERROR;
            case "timeout_error" -> Situation.PROVIDER_TIMEOUT;
            default -> null; // invalid_request_error, not_found_error, request_too_large: the status says it
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
