package dev.aitenancy.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
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
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.internal.AnswerUnreadable;
import dev.aitenancy.provider.internal.EmbeddingVectors;
import dev.aitenancy.provider.internal.Endpoint;
import dev.aitenancy.provider.internal.ErrorDetails;
import dev.aitenancy.provider.internal.Situation;
import dev.aitenancy.provider.internal.StreamDecoder;
import dev.aitenancy.provider.internal.Turns;
import dev.aitenancy.provider.internal.WireFormat;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * Gemini's generateContent API on the wire: {@code POST /v1beta/models/{m}:generateContent}, the SSE
 * stream of {@code :streamGenerateContent?alt=sse}, Google RPC error bodies, {@code GET /v1beta/models}.
 * The key travels in the {@code x-goog-api-key} header, never in the URL. Embeddings:
 * {@code POST /v1beta/models/{m}:batchEmbedContents}, 100 texts a request; Gemini reports no token
 * counts for them, so they are estimated ({@link EmbeddingVectors#estimatedTokens}).
 */
final class GeminiFormat implements WireFormat {

    /** The most requests one {@code batchEmbedContents} call accepts. */
    static final int EMBEDDING_BATCH = 100;

    static final String API = "/v1beta";

    @Override
    public HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream)
            throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        String system = request.systemText();
        if (system != null) {
            body.putObject("systemInstruction").putArray("parts").addObject().put("text", system);
        }
        ArrayNode contents = body.putArray("contents");
        Turns.append(contents, request.turns(), "model", "parts", GeminiFormat::addParts);
        if (!request.tools().isEmpty()) {
            ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (Tool t : request.tools()) {
                declarations.addObject().put("name", t.name()).put("description", t.description())
                        .set("parameters", schema(Schemas.read(t.parametersSchema(), "tool schema")));
            }
        }
        ObjectNode config = body.putObject("generationConfig");
        config.put("maxOutputTokens", request.maxOutputTokens());
        if (request.temperature() != null) {
            config.put("temperature", request.temperature());
        }
        ResponseFormat format = request.responseFormat();
        if (format != null) {
            config.put("responseMimeType", "application/json");
            if (format.hasSchema()) {
                config.set("responseSchema", schema(Schemas.read(format.schema(), "response schema")));
            }
        }
        String model = URLEncoder.encode(request.model(), StandardCharsets.UTF_8);
        String path = API + "/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        return endpoint.postJson(path, request, body, stream).header("x-goog-api-key", request.apiKey().reveal());
    }

    @Override
    public int embeddingBatchLimit() {
        return EMBEDDING_BATCH;
    }

    /**
     * {@code {requests: [{model: "models/{m}", content: {parts: [{text}]}, taskType?, outputDimensionality?}]}}:
     * one request per input.
     */
    @Override
    public HttpRequest.Builder embed(Endpoint endpoint, ProviderEmbeddingRequest batch) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String input : batch.inputs()) {
            ObjectNode r = requests.addObject().put("model", "models/" + batch.model());
            r.putObject("content").putArray("parts").addObject().put("text", input);
            if (batch.inputType() != null) {
                r.put("taskType", EmbeddingVectors.geminiTaskType(batch.inputType()));
            }
            if (batch.dimensions() != null) {
                r.put("outputDimensionality", batch.dimensions());
            }
        }
        String path = API + "/models/" + URLEncoder.encode(batch.model(), StandardCharsets.UTF_8)
                + ":batchEmbedContents";
        return endpoint.postJson(path, batch.correlationId(), body, false)
                .header("x-goog-api-key", batch.apiKey().reveal());
    }

    /** {@code embeddings[i].values}, in the order of the requests; tokens estimated (Gemini reports none). */
    @Override
    public ProviderEmbeddingResponse embeddings(JsonNode body, HttpHeaders headers, ProviderEmbeddingRequest batch) {
        JsonNode embeddings = body.path("embeddings");
        if (!embeddings.isArray()) {
            throw new AnswerUnreadable("expected an object with an embeddings array");
        }
        List<float[]> vectors = new ArrayList<>(embeddings.size());
        for (JsonNode e : embeddings) {
            vectors.add(EmbeddingVectors.vector(e.get("values"), "embeddings[" + vectors.size() + "].values"));
        }
        EmbeddingVectors.requireOnePerInput(vectors, batch.inputs().size());
        return new ProviderEmbeddingResponse(vectors, EmbeddingVectors.estimatedTokens(batch.inputs()), true, null);
    }

    @Override
    public HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key) {
        return endpoint.get(API + "/models?pageSize=1").header("x-goog-api-key", key.reveal());
    }

    @Override
    public ProviderResponse answer(JsonNode body, HttpHeaders headers, ProviderRequest request) {
        if (!body.isObject()) {
            throw new AnswerUnreadable("expected a JSON object");
        }
        JsonNode candidate = body.path("candidates").path(0);
        FinishReason finish = candidate.isObject() ? finishReason(Json.text(candidate.get("finishReason")))
                : body.path("promptFeedback").has("blockReason") ? FinishReason.CONTENT_FILTER : FinishReason.UNKNOWN;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode part : candidate.path("content").path("parts")) {
            JsonNode call = part.get("functionCall");
            if (call != null && call.isObject() && Json.text(call.get("name")) != null) {
                String id = Json.text(call.get("id"));
                calls.add(new ToolCall(id != null ? id : "call_" + calls.size(), call.get("name").asText(),
                        call.path("args").isObject() ? call.get("args").toString() : null));
            }
        }
        if (!calls.isEmpty() && finish == FinishReason.STOP) {
            finish = FinishReason.TOOL_CALLS; // Gemini says STOP after function calls too
        }
        return new ProviderResponse(text(candidate), usage(body.get("usageMetadata")), finish,
                Json.text(body.get("modelVersion")), Json.text(body.get("responseId")), calls);
    }

    @Override
    public StreamDecoder streamDecoder(ProviderRequest request) {
        int[] calls = {0}; // Gemini streams each function call whole, in order
        return (event, sink) -> {
            JsonNode chunk = Json.MAPPER.readTree(event.data());
            JsonNode error = chunk.get("error");
            if (error != null && error.isObject()) {
                ErrorDetails d = details(error);
                Situation s = d.situation();
                if (s == null) {
                    Long code = Json.longOrNull(error.get("code")); // the HTTP status it would have had
                    s = code != null ? Situation.ofStatus(code.intValue()) : Situation.SERVER_ERROR;
                }
                sink.fail(s, d.providerCode(), d.message());
                return;
            }
            sink.model(Json.text(chunk.get("modelVersion")));
            JsonNode candidate = chunk.path("candidates").path(0);
            if (candidate.isObject()) {
                sink.token(text(candidate));
                for (JsonNode part : candidate.path("content").path("parts")) {
                    JsonNode call = part.get("functionCall");
                    if (call != null && call.isObject() && Json.text(call.get("name")) != null) {
                        int index = calls[0]++;
                        sink.toolCall(index, Json.text(call.get("id")), call.get("name").asText());
                        sink.toolArguments(index, call.path("args").isObject() ? call.get("args").toString() : "{}");
                    }
                }
                String finish = Json.text(candidate.get("finishReason"));
                if (finish != null) {
                    FinishReason reason = finishReason(finish);
                    sink.finishReason(reason == FinishReason.STOP && calls[0] > 0 ? FinishReason.TOOL_CALLS : reason);
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
    public ErrorDetails errorDetails(int status, String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            if (error.isObject()) {
                return details(error);
            }
        } catch (IOException | RuntimeException notJson) {
            // fall back to the generic reading
        }
        return ErrorDetails.generic(body);
    }

    /** Reads a Google RPC status: its reason, retry delay and what they say beyond the status. */
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
        Situation situation;
        if ("API_KEY_INVALID".equals(reason) || "UNAUTHENTICATED".equals(status)) {
            situation = Situation.KEY_REFUSED;
        } else if ("PERMISSION_DENIED".equals(status)) {
            situation = Situation.NOT_PERMITTED;
        } else if ("RESOURCE_EXHAUSTED".equals(status)) {
            situation = perDayQuota ? Situation.QUOTA_EXHAUSTED : Situation.RATE_LIMITED;
        } else if (msg.contains("input token count") && msg.contains("exceeds")) {
            situation = Situation.CONTEXT_TOO_LONG;
        } else if ("NOT_FOUND".equals(status) && msg.contains("models/")) {
            situation = Situation.MODEL_NOT_FOUND;
        } else if ("UNAVAILABLE".equals(status)) {
            situation = Situation.OVERLOADED; // as a 503: the model is overloaded or the service is down
        } else if ("DEADLINE_EXCEEDED".equals(status)) {
            situation = Situation.PROVIDER_TIMEOUT;
        } else if ("INTERNAL".equals(status)) {
            situation = Situation.SERVER_ERROR;
        } else {
            situation = null;
        }
        return new ErrorDetails(situation, reason != null ? reason : status, message,
                situation == Situation.QUOTA_EXHAUSTED ? null : retryDelay);
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

    private static void addParts(ArrayNode parts, Message m) {
        if (m.role() == Role.TOOL) {
            JsonNode result;
            try {
                result = Json.MAPPER.readTree(m.text());
            } catch (IOException notJson) {
                result = null;
            }
            ObjectNode response = result != null && result.isObject() ? (ObjectNode) result
                    : Json.MAPPER.createObjectNode().put("result", m.text()); // Gemini takes an object only
            parts.addObject().putObject("functionResponse").put("name", m.toolName()).set("response", response);
            return;
        }
        for (Part p : m.parts()) {
            if (p instanceof Part.Text t) {
                if (!t.text().isEmpty()) { // Gemini refuses empty parts
                    parts.addObject().put("text", t.text());
                }
            } else if (p instanceof Part.Image i) {
                if (i.mediaType() == null) {
                    throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "Gemini needs the media "
                            + "type of an image given by URL; use a URL ending in .png, .jpg, .gif or .webp, or send "
                            + "the image inline");
                }
                if (i.url() != null) {
                    parts.addObject().putObject("fileData").put("mimeType", i.mediaType()).put("fileUri", i.url());
                } else {
                    parts.addObject().putObject("inlineData").put("mimeType", i.mediaType()).put("data", i.base64Data());
                }
            }
        }
        for (ToolCall c : m.toolCalls()) {
            JsonNode args;
            try {
                args = Json.MAPPER.readTree(c.argumentsJson());
            } catch (IOException e) {
                args = null;
            }
            parts.addObject().putObject("functionCall").put("name", c.name())
                    .set("args", args != null && args.isObject() ? args : Json.MAPPER.createObjectNode());
        }
    }

    /**
     * A JSON Schema in the OpenAPI subset Gemini reads for {@code responseSchema} and function
     * parameters: type (a nullable type pair becomes {@code nullable}), format, description, enum
     * ({@code const} as a one-value enum), properties, required, items, anyOf and number and array
     * bounds; other keywords ({@code additionalProperties}, {@code $schema}, titles) are left out.
     */
    static ObjectNode schema(JsonNode in) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        JsonNode type = in.get("type");
        if (type != null && type.isArray()) {
            for (JsonNode t : type) {
                if ("null".equals(t.asText())) {
                    out.put("nullable", true);
                } else {
                    out.put("type", t.asText());
                }
            }
        } else if (type != null) {
            out.put("type", type.asText());
        }
        for (String key : List.of("format", "description", "nullable", "minimum", "maximum", "minItems", "maxItems",
                "enum", "required", "propertyOrdering")) {
            if (in.has(key)) {
                out.set(key, in.get(key));
            }
        }
        if (in.has("const")) {
            out.putArray("enum").add(in.get("const"));
        }
        if (in.path("properties").isObject()) {
            ObjectNode props = out.putObject("properties");
            in.get("properties").properties().forEach(e -> props.set(e.getKey(), schema(e.getValue())));
        }
        if (in.path("items").isObject()) {
            out.set("items", schema(in.get("items")));
        }
        if (in.path("anyOf").isArray()) {
            ArrayNode any = out.putArray("anyOf");
            in.get("anyOf").forEach(s -> any.add(schema(s)));
        }
        return out;
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
