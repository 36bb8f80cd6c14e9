package dev.aitenancy.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.internal.Json;
import java.util.Map;
import java.util.Objects;

/**
 * A tool the model asked the host to call.
 *
 * @param id            the provider's id of the call; a tool result answers it by this id
 * @param name          the tool's name, as offered in the request
 * @param argumentsJson the arguments as a JSON object ({@code {}} when the model gave none)
 */
public record ToolCall(String id, String name, String argumentsJson) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        argumentsJson = argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson;
    }

    /**
     * The arguments as a map of JSON values (strings, numbers, booleans, lists, maps).
     *
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} when the model's arguments are not a
     *                                 JSON object
     */
    public Map<String, Object> arguments() {
        return parse(new TypeReference<Map<String, Object>>() { });
    }

    /**
     * The arguments read into {@code type} (a record or bean) with Jackson.
     *
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} when they do not fit {@code type}
     */
    public <T> T arguments(Class<T> type) {
        try {
            return Json.MAPPER.readValue(argumentsJson, type);
        } catch (JsonProcessingException e) {
            throw unreadable(type.getSimpleName());
        }
    }

    private <T> T parse(TypeReference<T> type) {
        try {
            return Json.MAPPER.readValue(argumentsJson, type);
        } catch (JsonProcessingException e) {
            throw unreadable("a JSON object");
        }
    }

    private InvalidRequestException unreadable(String what) {
        // the arguments themselves stay out of the message: they may hold user text
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                "the arguments the model gave for tool call " + id + " (" + name + ") do not read as " + what);
    }
}
