package dev.aitenancy.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.chat.internal.Schemas;
import java.util.ArrayList;
import java.util.List;
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
import dev.aitenancy.provider.internal.Turns;
import dev.aitenancy.provider.internal.WireFormat;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Locale;

/** Anthropic's Messages API on the wire: {@code POST /v1/messages}, named SSE events, {@code GET /v1/models}. */
final class AnthropicFormat implements WireFormat {

    /** The name of the forced tool that carries a JSON answer when the request has no schema name. */
    static final String ANSWER_TOOL = "json_answer";

    @Override
    public HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream)
            throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", request.model());
        body.put("max_tokens", request.maxOutputTokens());
        String system = request.systemText();
        if (system != null) {
            body.put("system", system);
        }
        ArrayNode messages = body.putArray("messages");
        Turns.append(messages, request.turns(), "assistant", "content", AnthropicFormat::addBlocks);
        for (JsonNode message : messages) { // a lone text block is sent as plain text
            JsonNode content = message.get("content");
            if (content.size() == 1 && "text".equals(content.get(0).path("type").asText())) {
                ((ObjectNode) message).put("content", content.get(0).get("text").asText());
            }
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        ArrayNode tools = body.putArray("tools");
        for (Tool t : request.tools()) {
            tools.addObject().put("name", t.name()).put("description", t.description())
                    .set("input_schema", Schemas.read(t.parametersSchema(), "tool schema"));
        }
        ResponseFormat format = request.responseFormat();
        if (format != null) { // a forced tool whose input is the answer
            tools.addObject().put("name", answerTool(request)).put("description", "Give the answer as this JSON object.")
                    .set("input_schema", format.hasSchema() ? Schemas.read(format.schema(), "response schema")
                            : Json.MAPPER.createObjectNode().put("type", "object"));
            ObjectNode choice = body.putObject("tool_choice");
            if (request.tools().isEmpty()) {
                choice.put("type", "tool").put("name", answerTool(request));
            } else {
                choice.put("type", "any"); // the model may still call the host's tools first
            }
        }
        if (tools.isEmpty()) {
            body.remove("tools");
        }
        if (stream) {
            body.put("stream", true);
        }
        return authorize(endpoint.postJson("/v1/messages", request, body, stream), request.apiKey());
    }

    /** The forced tool's name when the request asks for JSON, else null. */
    static String answerTool(ProviderRequest request) {
        ResponseFormat format = request.responseFormat();
        if (format == null) {
            return null;
        }
        return format.name() != null ? format.name() : ANSWER_TOOL;
    }

    private static void addBlocks(ArrayNode content, Message m) {
        if (m.role() == Role.TOOL) {
            content.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId()).put("content", m.text());
            return;
        }
        for (Part p : m.parts()) {
            if (p instanceof Part.Text t) {
                if (!t.text().isEmpty()) { // Anthropic refuses empty text blocks
                    content.addObject().put("type", "text").put("text", t.text());
                }
            } else if (p instanceof Part.Image i) {
                ObjectNode source = content.addObject().put("type", "image").putObject("source");
                if (i.url() != null) {
                    source.put("type", "url").put("url", i.url());
                } else {
                    source.put("type", "base64").put("media_type", i.mediaType()).put("data", i.base64Data());
                }
            }
        }
        for (ToolCall c : m.toolCalls()) {
            JsonNode input;
            try {
                input = Json.MAPPER.readTree(c.argumentsJson());
            } catch (IOException e) {
                input = null;
            }
            content.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name())
                    .set("input", input != null && input.isObject() ? input : Json.MAPPER.createObjectNode());
        }
    }

    @Override
    public HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key) {
        return authorize(endpoint.get("/v1/models?limit=1"), key);
    }

    private static HttpRequest.Builder authorize(HttpRequest.Builder b, ApiKey key) {
        return b.header("x-api-key", key.reveal()).header("anthropic-version", AnthropicClient.API_VERSION);
    }

    @Override
    public ProviderResponse answer(JsonNode body, HttpHeaders headers, ProviderRequest request) {
        if (!body.isObject()) {
            throw new AnswerUnreadable("expected a JSON object");
        }
        String answerTool = answerTool(request);
        StringBuilder text = new StringBuilder();
        String json = null;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : body.path("content")) {
            String type = Json.text(block.get("type"));
            if ("text".equals(type)) {
                text.append(block.path("text").asText());
            } else if ("tool_use".equals(type)) {
                String name = Json.text(block.get("name"));
                if (name != null && name.equals(answerTool)) {
                    json = block.path("input").toString();
                } else if (name != null) {
                    calls.add(new ToolCall(String.valueOf(Json.text(block.get("id"))), name, block.path("input").toString()));
                }
            }
        }
        FinishReason finish = finishReason(Json.text(body.get("stop_reason")));
        if (json != null && calls.isEmpty() && finish == FinishReason.TOOL_CALLS) {
            finish = FinishReason.STOP; // the forced answer tool: the model answered
        }
        return new ProviderResponse(json != null ? json : text.toString(), usage(body.get("usage")), finish,
                Json.text(body.get("model")), headers.firstValue("request-id").orElse(Json.text(body.get("id"))), calls);
    }

    @Override
    public StreamDecoder streamDecoder(ProviderRequest request) {
        String answerTool = answerTool(request);
        return new StreamDecoder() {
            private int answerBlock = -1;
            private boolean otherTools;

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
                    case "content_block_start" -> {
                        JsonNode block = data.path("content_block");
                        int index = data.path("index").asInt();
                        if ("tool_use".equals(Json.text(block.get("type")))) {
                            String name = Json.text(block.get("name"));
                            if (name != null && name.equals(answerTool)) {
                                answerBlock = index;
                            } else {
                                otherTools = true;
                                sink.toolCall(index, Json.text(block.get("id")), name);
                            }
                        }
                    }
                    case "content_block_delta" -> {
                        JsonNode delta = data.path("delta");
                        String deltaType = Json.text(delta.get("type"));
                        int index = data.path("index").asInt();
                        if ("text_delta".equals(deltaType)) {
                            sink.token(Json.text(delta.get("text")));
                        } else if ("input_json_delta".equals(deltaType)) {
                            String piece = Json.text(delta.get("partial_json"));
                            if (index == answerBlock) {
                                sink.token(piece);
                            } else {
                                sink.toolArguments(index, piece);
                            }
                        }
                    }
                    case "message_delta" -> {
                        String stop = Json.text(data.path("delta").get("stop_reason"));
                        if (stop != null) {
                            FinishReason reason = finishReason(stop);
                            sink.finishReason(reason == FinishReason.TOOL_CALLS && answerBlock >= 0 && !otherTools
                                    ? FinishReason.STOP : reason);
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
                        // ping, content_block_stop and event types added later carry nothing we need
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
