package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Jackson's failures said in the request's terms: the JSON field path and what it expects
 * ({@code field 'rule.target': expected one of input, output, both}), never a Java class, a
 * library name or parser internals.
 */
final class JsonProblems {

    /** The most of an echoed field name or path; a hostile body may use huge ones. */
    private static final int MAX_ECHO = 100;

    private JsonProblems() {
    }

    /** Why the request body is not JSON the endpoints can read. */
    static String ofBody(JsonProcessingException e, int maxNestingDepth) {
        if (e instanceof StreamConstraintsException) {
            return "the request body is beyond the limits of the JSON it may hold: at most " + maxNestingDepth
                    + " levels of nesting, and numbers of at most 1000 digits";
        }
        String where = where(e.getLocation());
        if (e instanceof JsonEOFException) {
            return "the request body is not valid JSON: it ends before its last value is complete" + where;
        }
        return "the request body is not valid JSON" + where + "; send a JSON object";
    }

    /**
     * Why a parsed body does not fit the request record {@code type}. A field of the wrong kind is
     * said by what the record's component expects ({@code "maxOutputTokens" must be a whole number},
     * {@code "tiers" must be an array of strings}); a field inside a value with a JSON form of its
     * own, such as a guardrail rule, by its path ({@code field 'rule.target': expected one of input,
     * output, both}).
     */
    static String ofField(Class<? extends Record> type, Exception e) {
        if (!(e instanceof JsonMappingException m) || m.getPath().isEmpty() || m.getPath().get(0).getFieldName() == null) {
            return "the request body does not have the expected form";
        }
        String field = m.getPath().get(0).getFieldName();
        RecordComponent component = component(type, field);
        if (component == null) {
            return "field '" + path(m) + "' does not have the expected form";
        }
        Class<?> kind = component.getType();
        String quoted = "\"" + field + "\"";
        if (kind == String.class) {
            return quoted + " must be a string";
        }
        if (kind == Integer.class || kind == Long.class || kind == int.class || kind == long.class) {
            return quoted + " must be a whole number";
        }
        if (kind == Boolean.class || kind == boolean.class) {
            return quoted + " must be true or false";
        }
        if (Number.class.isAssignableFrom(kind) || kind == double.class) {
            return quoted + " must be a number";
        }
        if (Collection.class.isAssignableFrom(kind)) {
            return quoted + " must be an array of strings";
        }
        if (Map.class.isAssignableFrom(kind)) {
            return quoted + " must be a JSON object";
        }
        // a value with a JSON form of its own, e.g. a guardrail rule: {"type": "content-filter", ...}
        JsonTypeInfo typed = kind.getAnnotation(JsonTypeInfo.class);
        if (typed != null && e instanceof InvalidTypeIdException) {
            JsonSubTypes kinds = kind.getAnnotation(JsonSubTypes.class);
            return "field '" + path(m) + "." + typed.property() + "': expected one of " + (kinds == null ? "its kinds"
                    : Arrays.stream(kinds.value()).map(JsonSubTypes.Type::name).collect(Collectors.joining(", ")));
        }
        if (m.getPath().size() == 1) {
            return typed != null ? quoted + " is required: an object with a \"" + typed.property() + "\""
                    : quoted + " must be a JSON object";
        }
        return ofValue(m);
    }

    /** The component of {@code type} that holds the JSON field {@code name}, or null. */
    private static RecordComponent component(Class<? extends Record> type, String name) {
        for (RecordComponent c : type.getRecordComponents()) {
            JsonProperty renamed = c.getAccessor().getAnnotation(JsonProperty.class);
            if (name.equals(renamed != null && !renamed.value().isEmpty() ? renamed.value() : c.getName())) {
                return c;
            }
        }
        return null;
    }

    /** Why the JSON at the exception's path, inside a value with its own JSON form, does not fit. */
    private static String ofValue(JsonMappingException e) {
        String path = path(e);
        if (e instanceof PropertyBindingException unknown) {
            return "field '" + path + "' is not known here; the known fields are "
                    + unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                            .collect(Collectors.joining(", "));
        }
        if (e instanceof InvalidFormatException format && format.getTargetType() != null) {
            return "field '" + path + "': expected " + expected(format.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "field '" + path + "': expected " + expected(mismatch.getTargetType());
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InputCoercionException coercion && coercion.getTargetType() != null) {
                return "field '" + path + "': expected " + expected(coercion.getTargetType()) + " small enough for it";
            }
            if (t instanceof StreamConstraintsException) {
                return "field '" + path + "' is beyond the limits of the JSON it may hold";
            }
        }
        return "field '" + path + "' does not have the expected form";
    }

    /** What a value of {@code type} looks like in JSON. */
    static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        }
        if (type == String.class || type == CharSequence.class || type == Character.class || type == char.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == Byte.class || type == byte.class
                || type == BigInteger.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class
                || type == BigDecimal.class) {
            return "a number";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list (a JSON array)";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord() || type.isInterface()) {
            return "an object";
        }
        return "another kind of value";
    }

    /** The JSON path of the exception, e.g. {@code rule.patterns[0]}; a hostile body may use huge names. */
    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.length() <= MAX_ECHO ? b.toString() : b.substring(0, MAX_ECHO) + "...";
    }

    private static String where(JsonLocation at) {
        return at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
}
