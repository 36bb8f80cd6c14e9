package dev.aitenancy.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import dev.aitenancy.provider.internal.SseEvent;
import dev.aitenancy.provider.internal.StreamDecoder;
import dev.aitenancy.provider.internal.StreamSink;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Locale;

/**
 * Cohere's Chat API v2 ({@code POST /v2/chat}), plain and streamed (hyphenated named events ending
 * with {@code message-end}); keys are checked with the free {@code GET /v1/models}.
 *
 * <p>Token counts are Cohere's {@code billed_units} (what the org pays for) where present, else the
 * raw {@code tokens}: the raw input count includes Cohere's own prompt template, which is not billed.
 */
public final class CohereClient extends HttpProvider {

    public static final String DEFAULT_BASE_URL = "https://api.cohere.com";

    public CohereClient(ProviderSettings settings) {
        super(ProviderId.COHERE, settings);
    }

    /** A client for api.cohere.com with default timeouts and retries. */
    public static CohereClient create() {
        return new CohereClient(defaultSettings().build());
    }

    /** Settings pointing at api.cohere.com, to adjust before building. */
    public static ProviderSettings.Builder defaultSettings() {
        return ProviderSettings.builder(DEFAULT_BASE_URL);
    }

    @Override
    protected HttpRequest.Builder callRequest(ProviderRequest request, boolean stream) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", request.model());
        ArrayNode messages = body.putArray("messages");
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
            messages.addObject().put("role", "system").put("content", request.systemPrompt());
        }
        messages.addObject().put("role", "user").put("content", request.prompt());
        body.put("max_tokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (stream) {
            body.put("stream", true);
        }
        return postJson(endpoint("/v2/chat"), request, body, stream)
                .header("Authorization", "Bearer " + request.apiKey().reveal());
    }

    @Override
    protected HttpRequest.Builder verifyRequest(ApiKey key) {
        return get(endpoint("/v1/models?page_size=1")).header("Authorization", "Bearer " + key.reveal());
    }

    @Override
    protected ProviderResponse parseResponse(JsonNode body, HttpHeaders headers) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode item : body.path("message").path("content")) {
            if ("text".equals(Json.text(item.get("type")))) {
                text.append(item.path("text").asText());
            }
        }
        return new ProviderResponse(text.toString(), usage(body.get("usage")),
                finishReason(Json.text(body.get("finish_reason"))), null, Json.text(body.get("id")));
    }

    @Override
    protected StreamDecoder streamDecoder(ProviderRequest request) {
        return new StreamDecoder() {
            @Override
            public void onEvent(SseEvent event, StreamSink sink) throws IOException {
                if (event.data().strip().equals("[DONE]")) {
                    return; // message-end already ended the answer
                }
                JsonNode data = Json.MAPPER.readTree(event.data());
                String type = event.event() != null ? event.event() : Json.text(data.get("type"));
                if ("content-delta".equals(type)) {
                    sink.token(Json.text(data.path("delta").path("message").path("content").get("text")));
                } else if ("message-end".equals(type)) {
                    JsonNode delta = data.path("delta");
                    sink.usage(usage(delta.get("usage")));
                    String finish = Json.text(delta.get("finish_reason"));
                    if ("ERROR".equals(finish) || "TIMEOUT".equals(finish)) {
                        sink.fail("TIMEOUT".equals(finish) ? ErrorCode.AI_PROVIDER_TIMEOUT
                                : ErrorCode.AI_PROVIDER_UNAVAILABLE, finish, "the generation ended with " + finish);
                        return;
                    }
                    sink.finishReason(finishReason(finish));
                    sink.complete();
                }
                // message-start, content-start/end, tool and citation events, debug: nothing we need
            }

            @Override
            public void onEnd(StreamSink sink) {
                if (!sink.isFinished()) {
                    sink.fail(ErrorCode.AI_PROVIDER_PROTOCOL, null,
                            "the stream ended before message-end; the answer may be incomplete");
                }
            }
        };
    }

    @Override
    protected ErrorDetails errorDetails(int status, String body) {
        String message = null;
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            message = Json.text(root.get("message"));
        } catch (IOException | RuntimeException notJson) {
            // fall back to the raw text
        }
        if (message == null) {
            return super.errorDetails(status, body);
        }
        String msg = message.toLowerCase(Locale.ROOT);
        ErrorCode code = null;
        if (status == 402 || (status == 429 && msg.contains("trial") && msg.contains("month"))) {
            code = ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED;
        } else if (msg.startsWith("too many tokens")) {
            code = ErrorCode.AI_CONTEXT_TOO_LONG;
        } else if (status == 499) {
            code = ErrorCode.AI_PROVIDER_UNAVAILABLE;
        } else if (status == 504) {
            code = ErrorCode.AI_PROVIDER_TIMEOUT;
        }
        return new ErrorDetails(code, null, message, null);
    }

    /** Billed units where Cohere reports them, else the raw token counts. */
    static TokenUsage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return TokenUsage.UNKNOWN;
        }
        JsonNode billed = u.path("billed_units");
        JsonNode raw = u.path("tokens");
        Long input = Json.longOrNull(billed.get("input_tokens"));
        Long output = Json.longOrNull(billed.get("output_tokens"));
        return new TokenUsage(input != null ? input : Json.longOrNull(raw.get("input_tokens")),
                output != null ? output : Json.longOrNull(raw.get("output_tokens")), null);
    }

    static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.UNKNOWN;
        }
        return switch (reason) {
            case "COMPLETE", "STOP_SEQUENCE" -> FinishReason.STOP;
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "TOOL_CALL" -> FinishReason.TOOL_CALLS;
            default -> FinishReason.OTHER;
        };
    }
}
