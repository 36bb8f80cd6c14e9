package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Messages, tools, tool calls and JSON answers on the wire of the generate and conversation
 * endpoints. Tool arguments and schemas are JSON objects (not strings).
 */
public final class ChatWire {

    private ChatWire() {
    }

    /**
     * A message: {@code role} (system, user, assistant, tool); {@code content} a string, or parts
     * {@code {"type":"text","text"}}, {@code {"type":"image_url","url"}} and
     * {@code {"type":"image","mediaType","data"}} (base64); an assistant's {@code toolCalls}; a tool
     * result's {@code toolCallId} and {@code toolName}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MessageView(String role, JsonNode content, List<ToolCallView> toolCalls, String toolCallId,
            String toolName) {

        public Message toMessage() {
            Role r = role(role);
            List<Part> parts = parts(content);
            List<ToolCall> calls = new ArrayList<>();
            if (toolCalls != null) {
                for (ToolCallView c : toolCalls) {
                    calls.add(c.toToolCall());
                }
            }
            return new Message(r, parts, calls, toolCallId, toolName);
        }

        public static MessageView of(Message m) {
            JsonNode content;
            if (m.hasImages()) {
                var array = WireJson.mapper().createArrayNode();
                for (Part p : m.parts()) {
                    if (p instanceof Part.Text t) {
                        array.addObject().put("type", "text").put("text", t.text());
                    } else if (p instanceof Part.Image i && i.url() != null) {
                        array.addObject().put("type", "image_url").put("url", i.url());
                    } else if (p instanceof Part.Image i) {
                        array.addObject().put("type", "image").put("mediaType", i.mediaType()).put("data", i.base64Data());
                    }
                }
                content = array;
            } else {
                content = m.parts().isEmpty() ? null : WireJson.mapper().getNodeFactory().textNode(m.text());
            }
            return new MessageView(m.role().name().toLowerCase(Locale.ROOT), content,
                    m.toolCalls().isEmpty() ? null : m.toolCalls().stream().map(ToolCallView::of).toList(),
                    m.toolCallId(), m.toolName());
        }

        private static Role role(String name) {
            for (Role r : Role.values()) {
                if (r.name().equalsIgnoreCase(name == null ? "" : name.strip())) {
                    return r;
                }
            }
            throw invalid("a message's \"role\" must be one of system, user, assistant, tool");
        }

        private static List<Part> parts(JsonNode content) {
            List<Part> parts = new ArrayList<>();
            if (content == null || content.isNull()) {
                return parts;
            }
            if (content.isTextual()) {
                parts.add(Part.text(content.asText()));
                return parts;
            }
            if (!content.isArray()) {
                throw invalid("a message's \"content\" must be a string or a list of parts");
            }
            for (JsonNode p : content) {
                String type = p.path("type").asText("");
                switch (type) {
                    case "text" -> parts.add(Part.text(p.path("text").asText("")));
                    case "image_url" -> parts.add(Part.imageUrl(p.path("url").asText(null)));
                    case "image" -> parts.add(Part.imageBase64(p.path("mediaType").asText(null), p.path("data").asText(null)));
                    default -> throw invalid("a content part's \"type\" must be text, image_url or image");
                }
            }
            return parts;
        }
    }

    /** A tool call: its {@code id}, the tool's {@code name} and its {@code arguments} (a JSON object). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ToolCallView(String id, String name, JsonNode arguments) {

        public ToolCall toToolCall() {
            if (id == null || name == null) {
                throw invalid("a tool call needs its \"id\" and \"name\"");
            }
            return new ToolCall(id, name, arguments == null || arguments.isNull() ? null
                    : arguments.isTextual() ? arguments.asText() : arguments.toString());
        }

        public static ToolCallView of(ToolCall c) {
            JsonNode args;
            try {
                args = WireJson.mapper().readTree(c.argumentsJson());
            } catch (JsonProcessingException notJson) { // a model's broken arguments go back as they came
                args = WireJson.mapper().getNodeFactory().textNode(c.argumentsJson());
            }
            return new ToolCallView(c.id(), c.name(), args);
        }
    }

    /** A tool the model may call: {@code name}, {@code description}, {@code parameters} (a JSON Schema object). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ToolView(String name, String description, JsonNode parameters) {

        public Tool toTool() {
            return new Tool(name, description, parameters == null || parameters.isNull() ? null : parameters.toString());
        }
    }

    /** {@code {"type":"json"}} for any JSON object, or {@code {"type":"json_schema","name","schema"}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ResponseFormatView(String type, String name, JsonNode schema) {

        public ResponseFormat toResponseFormat() {
            String t = type == null ? "" : type.strip().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "json", "json_object" -> ResponseFormat.json();
                case "json_schema" -> {
                    if (schema == null || !schema.isObject()) {
                        throw invalid("a \"json_schema\" response format needs its \"schema\" (a JSON object)");
                    }
                    yield ResponseFormat.jsonSchema(name, schema.toString());
                }
                default -> throw invalid("\"responseFormat.type\" must be json or json_schema");
            };
        }
    }

    /** Reads each element, or none. */
    public static <V, T> List<T> each(List<V> views, java.util.function.Function<V, T> read) {
        return views == null ? List.of() : views.stream().map(read).toList();
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
