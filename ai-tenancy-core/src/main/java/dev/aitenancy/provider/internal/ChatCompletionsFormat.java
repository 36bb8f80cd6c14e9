package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
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

    @Override
    public HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream)
            throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", request.model());
        ArrayNode messages = body.putArray("messages");
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
            messages.addObject().put("role", "system").put("content", request.systemPrompt());
        }
        messages.addObject().put("role", "user").put("content", request.prompt());
        body.put(maxTokensField, request.maxOutputTokens());
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (stream) {
            body.put("stream", true);
            if (streamUsage) {
                body.putObject("stream_options").put("include_usage", true);
            }
        }
        String path = chatPath.replace("{model}", URLEncoder.encode(request.model(), StandardCharsets.UTF_8));
        return authorize(endpoint.postJson(path, request, body, stream), request.apiKey());
    }

    @Override
    public HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key) {
        return authorize(endpoint.get(modelsPath), key);
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder b, ApiKey key) {
        return b.header(keyHeader, bearer ? "Bearer " + key.reveal() : key.reveal());
    }

    @Override
    public ProviderResponse answer(JsonNode body, HttpHeaders headers) {
        if (!body.isObject()) {
            throw new AnswerUnreadable("expected a JSON object");
        }
        JsonNode choice = body.path("choices").path(0);
        return new ProviderResponse(Json.text(choice.path("message").get("content")), usage(body.get("usage")),
                finishReason(Json.text(choice.get("finish_reason"))), Json.text(body.get("model")),
                headers.firstValue("x-request-id").orElse(Json.text(body.get("id"))));
    }

    @Override
    public StreamDecoder streamDecoder() {
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
                sink.token(Json.text(choice.path("delta").get("content")));
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
