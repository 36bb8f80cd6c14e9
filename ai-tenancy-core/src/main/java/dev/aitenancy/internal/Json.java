package dev.aitenancy.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The library's one Jackson mapper and lenient tree helpers for provider payloads. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    /** The text at {@code node}, or null when it is missing, null or not a value. */
    public static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() || node.isContainerNode() ? null : node.asText();
    }

    /** The number at {@code node} as a long, or null when it is missing or not a number. */
    public static Long longOrNull(JsonNode node) {
        return node == null || !node.isNumber() ? null : node.asLong();
    }

    /** The sum of the known values, or null when none is known. */
    public static Long sum(Long... values) {
        Long total = null;
        for (Long v : values) {
            if (v != null) {
                total = total == null ? v : total + v;
            }
        }
        return total;
    }
}
