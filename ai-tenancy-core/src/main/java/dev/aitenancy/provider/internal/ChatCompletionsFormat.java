package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.chat.internal.Schemas;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The OpenAI Chat Completions wire format, shared by OpenAI itself and every compatible endpoint
 * (Azure OpenAI, vLLM, Ollama, gateways). Parsing is lenient: {@code choices} and {@code usage}
 * may be missing and {@code [DONE]} may never come.
 *
 * @param chatPath       path of the chat endpoint below the base URL; {@code {model}} is replaced
 *                       by the URL-encoded model (Azure deployments)
 * @param modelsPath     path of the key check (a GET that costs no tokens)
 * @param keyHeader      the header that carries the key
 * @param bearer         whether the key is sent as {@code Bearer <key>}
 * @param maxTokensField {@code max_completion_tokens} (OpenAI) or {@code max_tokens} (older servers)
 * @param streamUsage    whether to send {@code stream_options.include_usage}
 *
 * <p>Embeddings go to {@link #embeddingsPath()}: the chat path with {@code chat/completions}
 * replaced by {@code embeddings} ({@code /v1/embeddings}, Azure's
 * {@code /openai/deployments/{model}/embeddings?api-version=...}), else {@code /v1/embeddings}.
 */
public record ChatCompletionsFormat(String chatPath, String modelsPath, String keyHeader, boolean bearer,
        String maxTokensField, boolean streamUsage) implements WireFormat {

    /** OpenAI's own API. */
    public static final ChatCompletionsFormat OPENAI = new ChatCompletionsFormat("/v1/chat/completions", "/v1/models",
            "Authorization", true, "max_completion_tokens", true);

    public ChatCompletionsFormat {
        Objects.requireNonNull(chatPath, "chatPath");
        Objects.requireNonNull(modelsPath, "modelsPath");
        Objects.requireNonNull(keyHeader, "keyHeader");
        Objects.requireNonNull(maxTokensField, "maxTokensField");
    }

    /**
     * The request body is written straight to bytes with Jackson's generator, field by field in the
     * order (and with the escaping) a tree of the same fields would serialize to; the schemas of
     * tools and response formats are read and written as trees.
     */
    @Override
    public HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream)
            throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.MAPPER.createGenerator(bytes, JsonEncoding.UTF8)) {
            writeBody(g, request, stream);
        }
        byte[] body = bytes.toByteArray();
        String path = chatPath.indexOf('{') < 0 ? chatPath
                : chatPath.replace("{model}", URLEncoder.encode(request.model(), StandardCharsets.UTF_8));
        return authorize(endpoint.postJson(path, request.correlationId(), body, stream), request.apiKey());
    }

    private void writeBody(JsonGenerator g, ProviderRequest request, boolean stream) throws IOException {
        g.writeStartObject();
        g.writeStringField("model", request.model());
        g.writeArrayFieldStart("messages");
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
            g.writeStartObject();
            g.writeStringField("role", "system");
            g.writeStringField("content", request.systemPrompt());
            g.writeEndObject();
        }
        for (Message m : request.messages()) {
            writeMessage(g, m);
        }
        g.writeEndArray();
        g.writeNumberField(maxTokensField, request.maxOutputTokens());
        if (request.temperature() != null) {
            g.writeNumberField("temperature", request.temperature().doubleValue());
        }
        if (!request.tools().isEmpty()) {
            g.writeArrayFieldStart("tools");
            for (Tool t : request.tools()) {
                g.writeStartObject();
                g.writeStringField("type", "function");
                g.writeObjectFieldStart("function");
                g.writeStringField("name", t.name());
                g.writeStringField("description", t.description());
                g.writeFieldName("parameters");
                Json.MAPPER.writeTree(g, Schemas.read(t.parametersSchema(), "tool schema"));
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        ResponseFormat format = request.responseFormat();
        if (format != null) {
            g.writeObjectFieldStart("response_format");
            if (format.hasSchema()) {
                g.writeStringField("type", "json_schema");
                g.writeObjectFieldStart("json_schema");
                g.writeStringField("name", format.name());
                g.writeFieldName("schema");
                Json.MAPPER.writeTree(g, Schemas.read(format.schema(), "response schema"));
                g.writeBooleanField("strict", format.strict());
                g.writeEndObject();
            } else {
                g.writeStringField("type", "json_object");
            }
            g.writeEndObject();
        }
        if (stream) {
            g.writeBooleanField("stream", true);
            if (streamUsage) {
                g.writeObjectFieldStart("stream_options");
                g.writeBooleanField("include_usage", true);
                g.writeEndObject();
            }
        }
        g.writeEndObject();
    }

    /** {@link #message(Message)} written to {@code g}, field for field. */
    private static void writeMessage(JsonGenerator g, Message m) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", m.role().name().toLowerCase(Locale.ROOT));
        switch (m.role()) {
            case USER -> {
                if (m.hasImages()) {
                    g.writeArrayFieldStart("content");
                    for (Part p : m.parts()) {
                        if (p instanceof Part.Text t) {
                            g.writeStartObject();
                            g.writeStringField("type", "text");
                            g.writeStringField("text", t.text());
                            g.writeEndObject();
                        } else if (p instanceof Part.Image i) {
                            g.writeStartObject();
                            g.writeStringField("type", "image_url");
                            g.writeObjectFieldStart("image_url");
                            g.writeStringField("url", i.asUrl());
                            g.writeEndObject();
                            g.writeEndObject();
                        }
                    }
                    g.writeEndArray();
                } else {
                    g.writeStringField("content", m.text());
                }
            }
            case ASSISTANT -> {
                if (m.parts().isEmpty()) {
                    g.writeNullField("content");
                } else {
                    g.writeStringField("content", m.text());
                }
                if (!m.toolCalls().isEmpty()) {
                    g.writeArrayFieldStart("tool_calls");
                    for (ToolCall c : m.toolCalls()) {
                        g.writeStartObject();
                        g.writeStringField("id", c.id());
                        g.writeStringField("type", "function");
                        g.writeObjectFieldStart("function");
                        g.writeStringField("name", c.name());
                        g.writeStringField("arguments", c.argumentsJson());
                        g.writeEndObject();
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
            }
            case TOOL -> {
                g.writeStringField("tool_call_id", m.toolCallId());
                g.writeStringField("content", m.text());
            }
            default -> g.writeStringField("content", m.text());
        }
        g.writeEndObject();
    }

    /**
     * One message in the Chat Completions form (also Cohere v2's, which shares it but for tool
     * results), as a tree: {@link #writeMessage} read back.
     */
    public static ObjectNode message(Message m) {
        try (com.fasterxml.jackson.databind.util.TokenBuffer tokens =
                     new com.fasterxml.jackson.databind.util.TokenBuffer(Json.MAPPER, false)) {
            writeMessage(tokens, m);
            return (ObjectNode) Json.MAPPER.readTree(tokens.asParser());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("a message could not be written as JSON", e);
        }
    }

    /** The {@code tool_calls} of a message (or of a stream delta) as whole calls. */
    public static List<ToolCall> toolCalls(JsonNode calls) {
        List<ToolCall> out = new ArrayList<>();
        for (JsonNode c : calls) {
            String name = Json.text(c.path("function").get("name"));
            if (name != null) {
                JsonNode args = c.path("function").get("arguments");
                out.add(new ToolCall(Json.text(c.get("id")) != null ? c.get("id").asText() : "call_" + out.size(), name,
                        args == null || args.isNull() ? null : args.isTextual() ? args.asText() : args.toString()));
            }
        }
        return out;
    }

    /** The most inputs OpenAI accepts in one embeddings request. */
    public static final int EMBEDDING_BATCH = 2048;

    /** Where embeddings requests go (see the class comment). */
    public String embeddingsPath() {
        return chatPath.contains("chat/completions") ? chatPath.replace("chat/completions", "embeddings")
                : "/v1/embeddings";
    }

    @Override
    public int embeddingBatchLimit() {
        return EMBEDDING_BATCH;
    }

    /** {@code {model, input: [...], encoding_format: "float"}} plus {@code dimensions} when asked for. */
    @Override
    public HttpRequest.Builder embed(Endpoint endpoint, ProviderEmbeddingRequest batch) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", batch.model());
        ArrayNode input = body.putArray("input");
        batch.inputs().forEach(input::add);
        body.put("encoding_format", "float");
        if (batch.dimensions() != null) {
            body.put("dimensions", batch.dimensions());
        }
        String path = embeddingsPath().replace("{model}", URLEncoder.encode(batch.model(), StandardCharsets.UTF_8));
        return authorize(endpoint.postJson(path, batch.correlationId(), body, false), batch.apiKey());
    }

    /** {@code data[i].embedding} placed by {@code data[i].index} (servers need not answer in order), {@code usage.prompt_tokens}. */
    @Override
    public ProviderEmbeddingResponse embeddings(JsonNode body, HttpHeaders headers, ProviderEmbeddingRequest batch) {
        JsonNode data = body.path("data");
        if (!data.isArray()) {
            throw new AnswerUnreadable("expected an object with a data array");
        }
        float[][] byIndex = new float[batch.inputs().size()][];
        int position = 0;
        for (JsonNode item : data) {
            int index = item.path("index").isInt() ? item.get("index").asInt() : position;
            if (index < 0 || index >= byIndex.length || byIndex[index] != null) {
                throw new AnswerUnreadable("expected one embedding per input index 0.." + (byIndex.length - 1)
                        + ", got index " + index + " twice or out of range");
            }
            byIndex[index] = EmbeddingVectors.vector(item.get("embedding"), "data[" + position + "].embedding");
            position++;
        }
        List<float[]> vectors = new ArrayList<>(byIndex.length);
        for (float[] v : byIndex) {
            if (v != null) {
                vectors.add(v);
            }
        }
        EmbeddingVectors.requireOnePerInput(vectors, byIndex.length);
        return new ProviderEmbeddingResponse(vectors, Json.longOrNull(body.path("usage").get("prompt_tokens")), false,
                Json.text(body.get("model")));
    }

    @Override
    public HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key) {
        return authorize(endpoint.get(modelsPath), key);
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder b, ApiKey key) {
        return b.header(keyHeader, bearer ? "Bearer " + key.reveal() : key.reveal());
    }

    /**
     * Reads the answer's bytes with Jackson's streaming parser, taking only the fields
     * {@link #answer(JsonNode, HttpHeaders, ProviderRequest)} reads (a later duplicate of a field
     * replacing an earlier one, as in a tree) and skipping the rest. A body this path does not take
     * (one that does not start with <code>&#123;</code> in UTF-8, or is not valid JSON) is read as
     * before, decoded to text and then as a tree, so every answer reads the same and every
     * unreadable one fails the same.
     */
    @Override
    public ProviderResponse answer(byte[] body, HttpHeaders headers, ProviderRequest request) throws IOException {
        if (body.length >= 2 && body[0] == '{' && body[1] != 0) { // UTF-8 (Jackson sees no BOM or UTF-16/32)
            try {
                return ChatCompletionsAnswer.read(body, headers);
            } catch (IOException | RuntimeException notTaken) {
                // read as text below: the same answer, or the same failure, as always
            }
        }
        return WireFormat.super.answer(body, headers, request);
    }

    @Override
    public ProviderResponse answer(JsonNode body, HttpHeaders headers, ProviderRequest request) {
        if (!body.isObject()) {
            throw new AnswerUnreadable("expected a JSON object");
        }
        JsonNode choice = body.path("choices").path(0);
        JsonNode message = choice.path("message");
        return new ProviderResponse(Json.text(message.get("content")), usage(body.get("usage")),
                finishReason(Json.text(choice.get("finish_reason"))), Json.text(body.get("model")),
                headers.firstValue("x-request-id").orElse(Json.text(body.get("id"))), toolCalls(message.path("tool_calls")));
    }

    @Override
    public StreamDecoder streamDecoder(ProviderRequest request) {
        return (event, sink) -> {
            String data = event.data().strip();
            if (data.equals("[DONE]")) {
                sink.complete();
                return;
            }
            JsonNode chunk = Json.MAPPER.readTree(data);
            JsonNode error = chunk.get("error");
            if (error != null && !error.isNull()) {
                ErrorDetails d = ErrorDetails.generic(chunk.toString());
                Situation s = situation(d.providerCode(), d.message());
                sink.fail(s != null ? s : Situation.SERVER_ERROR, d.providerCode(), d.message());
                return;
            }
            sink.model(Json.text(chunk.get("model")));
            JsonNode choice = chunk.path("choices").path(0);
            if (choice.isObject()) {
                JsonNode delta = choice.path("delta");
                sink.token(Json.text(delta.get("content")));
                for (JsonNode call : delta.path("tool_calls")) {
                    int index = call.path("index").asInt(0);
                    sink.toolCall(index, Json.text(call.get("id")), Json.text(call.path("function").get("name")));
                    sink.toolArguments(index, Json.text(call.path("function").get("arguments")));
                }
                String finish = Json.text(choice.get("finish_reason"));
                if (finish != null) {
                    sink.finishReason(finishReason(finish));
                }
            }
            JsonNode usage = chunk.get("usage");
            if (usage != null && usage.isObject()) {
                sink.usage(usage(usage));
            }
        };
    }

    @Override
    public ErrorDetails errorDetails(int status, String body) {
        ErrorDetails d = ErrorDetails.generic(body);
        return d.with(situation(d.providerCode(), d.message()));
    }

    /** The situation OpenAI's (or a compatible server's) error code names, or null to go by the status. */
    static Situation situation(String providerCode, String message) {
        String code = providerCode == null ? "" : providerCode;
        switch (code) {
            case "insufficient_quota", "billing_hard_limit_reached", "billing_not_active":
                return Situation.QUOTA_EXHAUSTED;
            case "context_length_exceeded", "string_above_max_length":
                return Situation.CONTEXT_TOO_LONG;
            case "model_not_found", "DeploymentNotFound":
                return Situation.MODEL_NOT_FOUND;
            case "invalid_api_key":
                return Situation.KEY_REFUSED;
            case "rate_limit_exceeded":
                return Situation.RATE_LIMITED;
            default:
                break;
        }
        String msg = message == null ? "" : message.toLowerCase(Locale.ROOT);
        // servers that copy OpenAI's message but not its code (vLLM)
        return msg.contains("maximum context length") ? Situation.CONTEXT_TOO_LONG : null;
    }

    static TokenUsage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return TokenUsage.UNKNOWN;
        }
        return new TokenUsage(Json.longOrNull(u.get("prompt_tokens")), Json.longOrNull(u.get("completion_tokens")),
                Json.longOrNull(u.path("prompt_tokens_details").get("cached_tokens")));
    }

    static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.UNKNOWN;
        }
        return switch (reason) {
            case "stop" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.OTHER;
        };
    }
}
