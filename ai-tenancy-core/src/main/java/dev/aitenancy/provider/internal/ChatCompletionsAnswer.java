package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.provider.ProviderResponse;
import java.io.IOException;
import java.net.http.HttpHeaders;

/**
 * A successful Chat Completions answer read from its bytes in one pass of Jackson's streaming
 * parser ({@link ChatCompletionsFormat#answer(byte[], java.net.http.HttpHeaders,
 * dev.aitenancy.provider.ProviderRequest)} falls back to the tree reading for a body it does not take).
 */
final class ChatCompletionsAnswer {

    private ChatCompletionsAnswer() {
    }

    private String content;
    private JsonNode toolCalls = MissingNode.getInstance();
    private String finish;
    private boolean usageIsObject;
    private Long promptTokens;
    private Long completionTokens;
    private Long cachedTokens;
    private String model;
    private String id;

    static ProviderResponse read(byte[] body, HttpHeaders headers) throws IOException {
        ChatCompletionsAnswer a = new ChatCompletionsAnswer();
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AnswerUnreadable("not an object"); // read as a tree, which says so
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "choices" -> a.choices(p);
                    case "usage" -> a.usage(p);
                    case "model" -> a.model = text(p);
                    case "id" -> a.id = text(p);
                    default -> p.skipChildren();
                }
            }
        }
        return new ProviderResponse(a.content, a.usageIsObject
                ? new TokenUsage(a.promptTokens, a.completionTokens, a.cachedTokens) : TokenUsage.UNKNOWN,
                ChatCompletionsFormat.finishReason(a.finish), a.model, headers.firstValue("x-request-id").orElse(a.id),
                ChatCompletionsFormat.toolCalls(a.toolCalls));
    }

    /** {@code choices[0]}: its message's content and tool calls, its finish reason. */
    private void choices(JsonParser p) throws IOException {
        content = null;
        toolCalls = MissingNode.getInstance();
        finish = null;
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        if (p.nextToken() == JsonToken.END_ARRAY) {
            return;
        }
        if (p.currentToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("message")) {
                    message(p);
                } else if (field.equals("finish_reason")) {
                    finish = text(p);
                } else {
                    p.skipChildren();
                }
            }
        } else {
            p.skipChildren();
        }
        while (p.nextToken() != JsonToken.END_ARRAY) { // the other choices
            p.skipChildren();
        }
    }

    private void message(JsonParser p) throws IOException {
        content = null;
        toolCalls = MissingNode.getInstance();
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("content")) {
                content = text(p);
            } else if (field.equals("tool_calls")) {
                JsonNode calls = p.readValueAsTree();
                toolCalls = calls != null ? calls : NullNode.getInstance();
            } else {
                p.skipChildren();
            }
        }
    }

    private void usage(JsonParser p) throws IOException {
        promptTokens = null;
        completionTokens = null;
        cachedTokens = null;
        usageIsObject = p.currentToken() == JsonToken.START_OBJECT;
        if (!usageIsObject) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "prompt_tokens" -> promptTokens = longOrNull(p);
                case "completion_tokens" -> completionTokens = longOrNull(p);
                case "prompt_tokens_details" -> {
                    cachedTokens = null;
                    if (p.currentToken() != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        break;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String inner = p.currentName();
                        p.nextToken();
                        if (inner.equals("cached_tokens")) {
                            cachedTokens = longOrNull(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    /** {@link Json#text} of the value at the parser, which it moves past. */
    private static String text(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            case START_OBJECT, START_ARRAY -> {
                p.skipChildren();
                yield null;
            }
            default -> Json.text(p.readValueAsTree()); // numbers and booleans as their nodes write them
        };
    }

    /** {@link Json#longOrNull} of the value at the parser, which it moves past. */
    private static Long longOrNull(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return p.getLongValue();
        }
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return Json.longOrNull(p.readValueAsTree());
        }
        p.skipChildren();
        return null;
    }
}
