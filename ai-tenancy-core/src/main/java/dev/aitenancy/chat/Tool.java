package dev.aitenancy.chat;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.chat.internal.Schemas;

/**
 * A function the model may ask the host to call. The library never runs it: the answer carries the
 * {@link ToolCall}s, the host runs them and sends their results back (see
 * {@link Message#toolResult(ToolCall, String)}), or lets a {@link dev.aitenancy.ToolLoop} do the loop.
 *
 * @param name             1-64 letters, digits, {@code _} or {@code -} (what every provider accepts)
 * @param description      what it does and when to use it, for the model
 * @param parametersSchema the JSON Schema of its arguments, a JSON object of type {@code object}
 */
public record Tool(String name, String description, String parametersSchema) {

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a name providers refuse or a
     *                                 schema that is not a JSON object
     */
    public Tool {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "a tool name must be 1 to 64 "
                    + "letters, digits, '_' or '-'");
        }
        description = description == null ? "" : description;
        parametersSchema = parametersSchema == null ? "{\"type\":\"object\",\"properties\":{}}" : parametersSchema;
        Schemas.read(parametersSchema, "schema of tool " + name + "'s arguments");
    }

    /** A tool whose arguments are the JSON form of {@code argumentsType} (a record or bean). */
    public static Tool of(String name, String description, Class<?> argumentsType) {
        return new Tool(name, description, Schemas.of(argumentsType));
    }

    /** A tool whose arguments are described by {@code parametersSchema} (JSON Schema text). */
    public static Tool of(String name, String description, String parametersSchema) {
        return new Tool(name, description, parametersSchema);
    }

    /** A tool that takes no arguments. */
    public static Tool withoutArguments(String name, String description) {
        return new Tool(name, description, null);
    }
}
