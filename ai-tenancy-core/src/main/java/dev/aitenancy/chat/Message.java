package dev.aitenancy.chat;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * One message of a conversation. Make them with the factories: {@link #system}, {@link #user},
 * {@link #assistant}, {@link #toolResult}.
 *
 * @param role       who speaks
 * @param parts      the content: text parts, and image parts in user messages; may be empty only
 *                   for an assistant message that is nothing but tool calls
 * @param toolCalls  the tools an assistant message asked for (empty otherwise)
 * @param toolCallId for a {@link Role#TOOL} message, the id of the call it answers; else null
 * @param toolName   for a {@link Role#TOOL} message, the name of the tool that ran; else null
 */
public record Message(Role role, List<Part> parts, List<ToolCall> toolCalls, String toolCallId, String toolName) {

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a message its role cannot have:
     *                                 no content, images outside user messages, tool calls outside
     *                                 assistant messages, a tool result without its call id and name
     */
    public Message {
        if (role == null) {
            throw invalid("a message needs a role");
        }
        parts = parts == null ? List.of() : List.copyOf(parts);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (parts.isEmpty() && toolCalls.isEmpty()) {
            throw invalid("a " + name(role) + " message needs content");
        }
        if (role != Role.USER && parts.stream().anyMatch(Part.Image.class::isInstance)) {
            throw invalid("images go in user messages only");
        }
        if (role != Role.ASSISTANT && !toolCalls.isEmpty()) {
            throw invalid("only an assistant message carries tool calls");
        }
        if (role == Role.TOOL) {
            if (toolCallId == null || toolCallId.isBlank() || toolName == null || toolName.isBlank()) {
                throw invalid("a tool result needs the id of the call it answers and the tool's name");
            }
        } else if (toolCallId != null || toolName != null) {
            throw invalid("only a tool result names a tool call");
        }
    }

    public static Message system(String text) {
        return new Message(Role.SYSTEM, List.of(Part.text(text)), List.of(), null, null);
    }

    public static Message user(String text) {
        return new Message(Role.USER, List.of(Part.text(text)), List.of(), null, null);
    }

    /** A user message of several parts, e.g. a question and an image. */
    public static Message user(Part... parts) {
        return new Message(Role.USER, List.of(parts), List.of(), null, null);
    }

    public static Message assistant(String text) {
        return new Message(Role.ASSISTANT, List.of(Part.text(text)), List.of(), null, null);
    }

    /** What the model answered: its text (may be empty) and the tools it asked to call. */
    public static Message assistant(String text, List<ToolCall> toolCalls) {
        List<Part> parts = text == null || text.isEmpty() ? List.of() : List.of(Part.text(text));
        return new Message(Role.ASSISTANT, parts, toolCalls, null, null);
    }

    /** The result of the tool call {@code call}, as text (often JSON). */
    public static Message toolResult(ToolCall call, String content) {
        return toolResult(call.id(), call.name(), content);
    }

    public static Message toolResult(String toolCallId, String toolName, String content) {
        return new Message(Role.TOOL, List.of(Part.text(content)), List.of(), toolCallId, toolName);
    }

    /** The text parts joined (images left out); empty when there are none. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Part p : parts) {
            if (p instanceof Part.Text t) {
                b.append(t.text());
            }
        }
        return b.toString();
    }

    /** Whether any part is an image. */
    public boolean hasImages() {
        return parts.stream().anyMatch(Part.Image.class::isInstance);
    }

    /** The image parts. */
    public List<Part.Image> images() {
        List<Part.Image> images = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Part.Image i) {
                images.add(i);
            }
        }
        return images;
    }

    private static String name(Role role) {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
