package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
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

    /** Why the JSON at {@code root} (a field of the body, e.g. {@code rule}) does not fit. */
    static String ofValue(String root, JsonProcessingException e) {
        String path = e instanceof JsonMappingException m ? path(root, m) : root;
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

    private static String path(String root, JsonMappingException e) {
        StringBuilder b = new StringBuilder(root);
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append('.').append(r.getFieldName());
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
