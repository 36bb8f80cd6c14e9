package dev.aitenancy.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.internal.Schemas;
import dev.aitenancy.provider.internal.ChatCompletionsFormat;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.internal.AnswerUnreadable;
import dev.aitenancy.provider.internal.EmbeddingVectors;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cohere's Chat API v2 on the wire: {@code POST /v2/chat}, hyphenated named SSE events ending with
 * {@code message-end}, flat {@code {"message"}} error bodies, {@code GET /v1/models}. Embeddings:
 * {@code POST /v2/embed}, 96 texts a request, billed units as the tokens.
 */
final class CohereFormat implements WireFormat {

    /** The most texts one {@code /v2/embed} request accepts. */
    static final int EMBEDDING_BATCH = 96;
    /** The input type sent when the request names none (Cohere requires one for its v3+ models). */
    static final String DEFAULT_INPUT_TYPE = "search_document";

    @Override
    public HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream)
            throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", request.model());
        ArrayNode messages = body.putArray("messages");
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
            messages.addObject().put("role", "system").put("content", request.systemPrompt());
        }
        for (Message m : request.messages()) {
            messages.add(message(m));
        }
        body.put("max_tokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (Tool t : request.tools()) {
                tools.addObject().put("type", "function").putObject("function").put("name", t.name())
                        .put("description", t.description())
                        .set("parameters", Schemas.read(t.parametersSchema(), "tool schema"));
            }
        }
        ResponseFormat format = request.responseFormat();
        if (format != null) {
            ObjectNode rf = body.putObject("response_format").put("type", "json_object");
            if (format.hasSchema()) {
                rf.set("json_schema", Schemas.read(format.schema(), "response schema"));
            }
        }
        if (stream) {
            body.put("stream", true);
        }
        return endpoint.postJson("/v2/chat", request, body, stream)
                .header("Authorization", "Bearer " + request.apiKey().reveal());
    }

    @Override
    public int embeddingBatchLimit() {
        return EMBEDDING_BATCH;
    }

    /** {@code {model, texts, input_type, embedding_types: ["float"], output_dimension?}}. */
    @Override
    public HttpRequest.Builder embed(Endpoint endpoint, ProviderEmbeddingRequest batch) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", batch.model());
        ArrayNode texts = body.putArray("texts");
        batch.inputs().forEach(texts::add);
        body.put("input_type", batch.inputType() != null ? batch.inputType() : DEFAULT_INPUT_TYPE);
        body.putArray("embedding_types").add("float");
        if (batch.dimensions() != null) {
            body.put("output_dimension", batch.dimensions());
        }
        return endpoint.postJson("/v2/embed", batch.correlationId(), body, false)
                .header("Authorization", "Bearer " + batch.apiKey().reveal());
    }

    /** {@code embeddings.float[i]}, {@code meta.billed_units.input_tokens}. */
    @Override
    public ProviderEmbeddingResponse embeddings(JsonNode body, HttpHeaders headers, ProviderEmbeddingRequest batch) {
        JsonNode floats = body.path("embeddings").path("float");
        if (!floats.isArray()) {
            throw new AnswerUnreadable("expected an object with embeddings.float");
        }
        List<float[]> vectors = new ArrayList<>(floats.size());
        for (JsonNode v : floats) {
            vectors.add(EmbeddingVectors.vector(v, "embeddings.float[" + vectors.size() + "]"));
        }
        EmbeddingVectors.requireOnePerInput(vectors, batch.inputs().size());
        return new ProviderEmbeddingResponse(vectors,
                Json.longOrNull(body.path("meta").path("billed_units").get("input_tokens")), false, null);
    }

    @Override
    public HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key) {
        return endpoint.get("/v1/models?page_size=1").header("Authorization", "Bearer " + key.reveal());
    }

    /** Cohere v2's messages: Chat Completions' shape, but tool calls carry a plan and results are documents. */
    private static ObjectNode message(Message m) {
        ObjectNode out = ChatCompletionsFormat.message(m);
        if (m.role() == Role.ASSISTANT && !m.toolCalls().isEmpty()) {
            out.remove("content");
            if (!m.text().isEmpty()) {
                out.put("tool_plan", m.text());
            }
        } else if (m.role() == Role.TOOL) {
            out.remove("content");
            out.putArray("content").addObject().put("type", "document").putObject("document").put("data", m.text());
        }
        return out;
    }

    @Override
    public ProviderResponse answer(JsonNode body, HttpHeaders headers, ProviderRequest request) {
        if (!body.isObject()) {
            throw new AnswerUnreadable("expected a JSON object");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode item : body.path("message").path("content")) {
            if ("text".equals(Json.text(item.get("type")))) {
                text.append(item.path("text").asText());
            }
        }
        return new ProviderResponse(text.toString(), usage(body.get("usage")),
                finishReason(Json.text(body.get("finish_reason"))), null, Json.text(body.get("id")),
                ChatCompletionsFormat.toolCalls(body.path("message").path("tool_calls")));
    }

    @Override
    public StreamDecoder streamDecoder(ProviderRequest request) {
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
                } else if ("tool-call-start".equals(type) || "tool-call-delta".equals(type)) {
                    JsonNode call = data.path("delta").path("message").path("tool_calls");
                    call = call.isArray() ? call.path(0) : call;
                    int index = data.path("index").asInt(0);
                    sink.toolCall(index, Json.text(call.get("id")), Json.text(call.path("function").get("name")));
                    sink.toolArguments(index, Json.text(call.path("function").get("arguments")));
                } else if ("message-end".equals(type)) {
                    JsonNode delta = data.path("delta");
                    sink.usage(usage(delta.get("usage")));
                    String finish = Json.text(delta.get("finish_reason"));
                    if ("ERROR".equals(finish) || "TIMEOUT".equals(finish)) {
                        sink.fail("TIMEOUT".equals(finish) ? Situation.PROVIDER_TIMEOUT : Situation.SERVER_ERROR,
                                finish, "the generation ended with " + finish);
                        return;
                    }
                    sink.finishReason(finishReason(finish));
                    sink.complete();
                }
                // message-start, content-start/end, tool-plan-delta, tool-call-end, citations, debug: nothing we need
            }

            @Override
            public void onEnd(StreamSink sink) {
                if (!sink.isFinished()) {
                    sink.fail(Situation.STREAM_CUT, null, "ended before message-end; the answer may be incomplete");
                }
            }
        };
    }

    @Override
    public ErrorDetails errorDetails(int status, String body) {
        ErrorDetails d = ErrorDetails.generic(body);
        String msg = d.message() == null ? "" : d.message().toLowerCase(Locale.ROOT);
        if (status == 429 && msg.contains("trial") && msg.contains("month")) {
            return d.with(Situation.QUOTA_EXHAUSTED); // the monthly cap of a trial key: waiting will not help
        }
        if (msg.startsWith("too many tokens")) {
            return d.with(Situation.CONTEXT_TOO_LONG);
        }
        return d; // the status says the rest (404 naming a model: MODEL_NOT_FOUND)
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
