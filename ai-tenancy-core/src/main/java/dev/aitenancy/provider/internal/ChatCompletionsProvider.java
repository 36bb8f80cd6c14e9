package dev.aitenancy.provider.internal;

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
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAI Chat Completions wire format, shared by OpenAI itself and every compatible endpoint
 * (Azure OpenAI, vLLM, Ollama, gateways). Parsing is lenient: {@code choices} and {@code usage}
 * may be missing and {@code [DONE]} may never come.
 */
public class ChatCompletionsProvider extends HttpProvider {

    /** How the key is sent. */
    public enum Auth {
        /** {@code Authorization: Bearer <key>} (OpenAI and most compatible servers). */
        BEARER,
        /** {@code api-key: <key>} (Azure OpenAI). */
        API_KEY_HEADER
    }

    private final String chatPath;
    private final String modelsPath;
    private final Auth auth;
    private final String maxTokensField;
    private final boolean streamUsage;

    /**
     * @param chatPath       path of the chat endpoint below the base URI; {@code {model}} is replaced
     *                       by the URL-encoded model (Azure deployments)
     * @param modelsPath     path of the key check (a GET that costs no tokens)
     * @param maxTokensField {@code max_completion_tokens} (OpenAI) or {@code max_tokens} (older servers)
     * @param streamUsage    whether to send {@code stream_options.include_usage}
     */
    protected ChatCompletionsProvider(ProviderId id, ProviderSettings settings, String chatPath, String modelsPath,
            Auth auth, String maxTokensField, boolean streamUsage) {
        super(id, settings);
        this.chatPath = chatPath;
        this.modelsPath = modelsPath;
        this.auth = auth;
        this.maxTokensField = maxTokensField;
        this.streamUsage = streamUsage;
    }

    @Override
    protected HttpRequest.Builder callRequest(ProviderRequest request, boolean stream) throws Exception {
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
        return authorize(postJson(endpoint(path), request, body, stream), request.apiKey());
    }

    @Override
    protected HttpRequest.Builder verifyRequest(ApiKey key) {
        return authorize(get(endpoint(modelsPath)), key);
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder b, ApiKey key) {
        return auth == Auth.BEARER ? b.header("Authorization", "Bearer " + key.reveal())
                : b.header("api-key", key.reveal());
    }

    @Override
    protected ProviderResponse parseResponse(JsonNode body, HttpHeaders headers) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        JsonNode choice = body.path("choices").path(0);
        return new ProviderResponse(Json.text(choice.path("message").get("content")), usage(body.get("usage")),
                finishReason(Json.text(choice.get("finish_reason"))), Json.text(body.get("model")),
                headers.firstValue("x-request-id").orElse(Json.text(body.get("id"))));
    }

    @Override
    protected StreamDecoder streamDecoder(ProviderRequest request) {
        return (event, sink) -> {
            String data = event.data().strip();
            if (data.equals("[DONE]")) {
                sink.complete();
                return;
            }
            JsonNode chunk = Json.MAPPER.readTree(data);
            JsonNode error = chunk.get("error");
            if (error != null && !error.isNull()) {
                String code = error.isObject() ? Json.text(error.get("code")) : null;
                String type = error.isObject() ? Json.text(error.get("type")) : null;
                ErrorCode mapped = classify(code != null ? code : type);
                sink.fail(mapped != null ? mapped : ErrorCode.AI_PROVIDER_UNAVAILABLE, code != null ? code : type,
                        error.isObject() ? Json.text(error.get("message")) : error.asText());
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
    protected ErrorDetails errorDetails(int status, String body) {
        ErrorDetails d = super.errorDetails(status, body);
        ErrorCode refined = classify(d.providerCode());
        if (status >= 500 && d.message() != null
                && d.message().toLowerCase(java.util.Locale.ROOT).contains("overloaded")) {
            refined = ErrorCode.AI_PROVIDER_OVERLOADED;
        }
        return new ErrorDetails(refined, d.providerCode(), d.message(), d.retryAfter());
    }

    /** A precise code for OpenAI error codes/types whose status alone is ambiguous, else null. */
    static ErrorCode classify(String providerCode) {
        if (providerCode == null) {
            return null;
        }
        return switch (providerCode) {
            case "insufficient_quota", "billing_hard_limit_reached" -> ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED;
            case "context_length_exceeded", "string_above_max_length" -> ErrorCode.AI_CONTEXT_TOO_LONG;
            case "rate_limit_exceeded" -> ErrorCode.AI_PROVIDER_RATE_LIMITED;
            case "invalid_api_key" -> ErrorCode.AI_PROVIDER_AUTH;
            case "server_error" -> ErrorCode.AI_PROVIDER_UNAVAILABLE;
            default -> null;
        };
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
