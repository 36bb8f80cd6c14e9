package dev.aitenancy.chat;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.chat.internal.Schemas;

/**
 * Asks for a JSON answer, optionally with a JSON Schema it must follow. Each provider gets its
 * native form: OpenAI (and compatible endpoints) {@code response_format} ({@code json_object}, or
 * {@code json_schema} with {@code strict} when the schema allows it), Gemini {@code responseMimeType}
 * {@code application/json} with {@code responseSchema}, Cohere {@code response_format}, and
 * Anthropic a forced tool whose input schema is the schema (its answer is the tool's input). The
 * library parses the answer and checks it against the schema; one that does not conform ends the
 * call with {@code AI_OUTPUT_INVALID}.
 *
 * @param name   a name for the schema (OpenAI and Anthropic send it), or null without a schema
 * @param schema the JSON Schema (an object) the answer must follow, or null for any JSON object
 * @param strict whether the schema lists every property as required and forbids others, so that
 *               OpenAI can enforce it while generating ({@code strict: true}); worked out from the schema
 */
public record ResponseFormat(String name, String schema, boolean strict) {

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a schema that is not a JSON
     *                                 object or a name providers refuse
     */
    public ResponseFormat {
        if (schema != null) {
            strict = Schemas.isStrict(Schemas.read(schema, "response schema"));
            name = name == null ? "answer" : name;
            if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "a response schema name must"
                        + " be 1 to 64 letters, digits, '_' or '-'");
            }
        } else {
            name = null;
            strict = false;
        }
    }

    /** Any JSON object. */
    public static ResponseFormat json() {
        return new ResponseFormat(null, null, false);
    }

    /** JSON following {@code schema} (JSON Schema text), named {@code name}. */
    public static ResponseFormat jsonSchema(String name, String schema) {
        return new ResponseFormat(name, schema, false);
    }

    /** JSON in the form of {@code type} (a record or bean), e.g. to read with {@code result.as(type)}. */
    public static ResponseFormat of(Class<?> type) {
        return new ResponseFormat(type.getSimpleName(), Schemas.of(type), false);
    }

    /** Whether a schema is given. */
    public boolean hasSchema() {
        return schema != null;
    }
}
