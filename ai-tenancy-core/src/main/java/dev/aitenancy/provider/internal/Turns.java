package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Role;
import dev.aitenancy.internal.Json;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Messages as the providers with alternating turns take them (Anthropic, Gemini): the assistant's
 * turns and the user's (tool results included), consecutive messages of one side merged into one
 * turn, and a message that gives nothing (an empty answer, which both refuse) left out.
 */
public final class Turns {

    private Turns() {
    }

    /**
     * Appends the turns of {@code messages} to {@code into}, each {@code {"role": ..., <field>: [...]}}.
     *
     * @param assistantRole the role the provider gives the model's turns ({@code assistant}, {@code model})
     * @param field         the name of a turn's list ({@code content}, {@code parts})
     * @param items         adds a message's items (blocks, parts) to a list
     */
    public static void append(ArrayNode into, List<Message> messages, String assistantRole, String field,
            BiConsumer<ArrayNode, Message> items) {
        ObjectNode last = null;
        for (Message m : messages) {
            ArrayNode added = Json.MAPPER.createArrayNode();
            items.accept(added, m);
            if (added.isEmpty()) {
                continue;
            }
            String role = m.role() == Role.ASSISTANT ? assistantRole : "user";
            if (last == null || !role.equals(last.path("role").asText())) {
                last = into.addObject().put("role", role);
                last.putArray(field);
            }
            ((ArrayNode) last.get(field)).addAll(added);
        }
    }
}
