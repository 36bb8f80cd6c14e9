package dev.aitenancy.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link Message} as the JSON text a conversation's message row keeps, and back, exactly: every
 * text part, image part (URL, media type, inline base64 data), tool call (id, name, the arguments
 * as the model wrote them) and a tool result's call id and tool name.
 *
 * <pre>{@code
 * {"v":1,"role":"assistant",
 *  "parts":[{"type":"text","text":"Let me look."},
 *           {"type":"image","url":"https://…/cat.png","mediaType":"image/png"}],
 *  "toolCalls":[{"id":"call_1","name":"lookup","arguments":"{\"q\":\"cat\"}"}],
 *  "toolCallId":null,"toolName":null}
 * }</pre>
 *
 * Absent fields are left out. {@code v} is the format's version, so a later format can still read
 * rows written by this one.
 */
public final class MessageJson {

    private static final int VERSION = 1;
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private MessageJson() {
    }

    /** The role as a message row's {@code role} column and the JSON name it: {@code user}, {@code tool}, … */
    public static String roleName(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** The message as JSON text. */
    public static String write(Message m) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("v", VERSION);
        root.put("role", roleName(m.role()));
        ArrayNode parts = root.putArray("parts");
        for (Part p : m.parts()) {
            ObjectNode part = parts.addObject();
            if (p instanceof Part.Text t) {
                part.put("type", "text");
                part.put("text", t.text());
            } else if (p instanceof Part.Image i) {
                part.put("type", "image");
                putIfPresent(part, "url", i.url());
                putIfPresent(part, "mediaType", i.mediaType());
                putIfPresent(part, "data", i.base64Data());
            }
        }
        if (!m.toolCalls().isEmpty()) {
            ArrayNode calls = root.putArray("toolCalls");
            for (ToolCall c : m.toolCalls()) {
                calls.addObject().put("id", c.id()).put("name", c.name()).put("arguments", c.argumentsJson());
            }
        }
        putIfPresent(root, "toolCallId", m.toolCallId());
        putIfPresent(root, "toolName", m.toolName());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a message could not be written as JSON", e);
        }
    }

    /**
     * The message from its JSON text.
     *
     * @throws IllegalArgumentException when the text is not a message this class wrote (the text
     *                                  itself stays out of the exception: it may hold user content)
     */
    public static Message read(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a stored message is not JSON");
        }
        if (root == null || !root.isObject() || root.path("v").asInt() != VERSION) {
            throw new IllegalArgumentException("a stored message is not in a format this version reads");
        }
        Role role = role(text(root, "role"));
        List<Part> parts = new ArrayList<>();
        for (JsonNode part : root.path("parts")) {
            String type = text(part, "type");
            if ("text".equals(type)) {
                parts.add(Part.text(required(part, "text")));
            } else if ("image".equals(type)) {
                parts.add(new Part.Image(text(part, "url"), text(part, "mediaType"), text(part, "data")));
            } else {
                throw new IllegalArgumentException("a stored message has a part of unknown type " + type);
            }
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : root.path("toolCalls")) {
            calls.add(new ToolCall(required(call, "id"), required(call, "name"), text(call, "arguments")));
        }
        return new Message(role, parts, calls, text(root, "toolCallId"), text(root, "toolName"));
    }

    private static Role role(String name) {
        for (Role r : Role.values()) {
            if (roleName(r).equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("a stored message has an unknown role " + name);
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("a stored message's " + field + " is not text");
        }
        return value.textValue();
    }

    private static String required(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            throw new IllegalArgumentException("a stored message lacks its " + field);
        }
        return value;
    }
}
