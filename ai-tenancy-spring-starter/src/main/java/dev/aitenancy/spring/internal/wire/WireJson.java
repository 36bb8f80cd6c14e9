package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The starter's own JSON mappers: every request and response body of the endpoints goes through
 * them, never through the application's (Spring's) {@code ObjectMapper}, so the host's Jackson
 * settings cannot change the wire format.
 */
public final class WireJson {

    /** The deepest a request body's JSON may nest: no body needs more, and deep nesting costs. */
    public static final int MAX_NESTING_DEPTH = 100;

    /**
     * Parses bodies and writes responses, and reads guardrail rules with {@code GuardrailRule}'s
     * own annotations: enum values in any case ({@code "Both"}, {@code "INPUT"}), bodies no deeper
     * than {@value #MAX_NESTING_DEPTH} levels and with nothing after their JSON value, decimals
     * written as plain numbers ({@code 0.0000096}, not {@code 9.6E-6}), fields in the order of the
     * records' components.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                    .build())
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    /**
     * Binds a parsed body to a request record: each field must already have its component's JSON
     * kind, with no conversion between kinds (no {@code "5"} for a number, {@code 1} for a boolean,
     * {@code 7} for a string, {@code 1.5} for a whole number), except that a decimal amount may
     * also be a string holding a number ({@code "12.50"}).
     */
    private static final ObjectMapper REQUESTS = ((JsonMapper) MAPPER).rebuild()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(BigDecimal.class, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.TryConvert))
            .build();

    private WireJson() {
    }

    /** {@code o.toString()}, or null: instants, ids and enum-like values are strings on the wire. */
    static String string(Object o) {
        return o == null ? null : o.toString();
    }

    /** Whole milliseconds, or null. */
    static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }

    /** The mapper that parses bodies, writes every response and reads guardrail rules. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The mapper that binds a parsed body to a request record (see the class comment of the records). */
    public static ObjectMapper requests() {
        return REQUESTS;
    }
}
