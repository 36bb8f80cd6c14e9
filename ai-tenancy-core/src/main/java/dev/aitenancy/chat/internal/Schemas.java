package dev.aitenancy.chat.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.github.victools.jsonschema.module.jackson.JacksonOption;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.internal.Json;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schemas: derived from Java types with victools' generator (every property required, no
 * others allowed, everything inline — the form OpenAI's strict mode and Gemini accept), read from
 * text, and used to check answers with networknt's validator (draft 2020-12).
 */
public final class Schemas {

    private static final SchemaGenerator GENERATOR = generator();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> CHECKERS = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 1_000;

    private Schemas() {
    }

    private static SchemaGenerator generator() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(Json.MAPPER,
                SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule(JacksonOption.RESPECT_JSONPROPERTY_REQUIRED,
                        JacksonOption.RESPECT_JSONPROPERTY_ORDER))
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT, Option.INLINE_ALL_SCHEMAS,
                        Option.FLATTENED_ENUMS, Option.FLATTENED_OPTIONALS)
                .without(Option.SCHEMA_VERSION_INDICATOR);
        config.forFields().withRequiredCheck(field -> true);
        config.forTypesInGeneral().withPropertySorter((a, b) -> 0); // declaration order: the model answers in it
        return new SchemaGenerator(config.build());
    }

    /**
     * The schema of {@code type}'s JSON form (as Jackson writes it), as text.
     *
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} when no schema can be made for it
     *                                 (e.g. a type that refers to itself)
     */
    public static String of(Class<?> type) {
        try {
            ObjectNode schema = GENERATOR.generateSchema(type);
            if (!"object".equals(Json.text(schema.get("type")))) {
                throw invalid("the schema of " + type.getSimpleName() + " is not an object; use a record or class "
                        + "with properties");
            }
            return Json.MAPPER.writeValueAsString(schema);
        } catch (IllegalArgumentException | JsonProcessingException | StackOverflowError e) {
            throw invalid("no JSON Schema can be derived from " + type.getName() + "; give the schema as text");
        }
    }

    /**
     * Reads a schema given as text; it must be a JSON object.
     *
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} otherwise
     */
    public static ObjectNode read(String schema, String what) {
        JsonNode node;
        try {
            node = schema == null ? null : Json.MAPPER.readTree(schema);
        } catch (JsonProcessingException e) {
            throw invalid("the " + what + " is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
        if (node == null || !node.isObject()) {
            throw invalid("the " + what + " must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /**
     * What is wrong with {@code value} under {@code schema}: empty when it conforms, else up to three
     * violations, each as the JSON path and the rule it breaks (never the value itself).
     */
    public static List<String> violations(String schema, JsonNode value) {
        Schema checker = CHECKERS.get(schema);
        if (checker == null) {
            checker = REGISTRY.getSchema(schema);
            if (CHECKERS.size() < MAX_CACHED) {
                CHECKERS.put(schema, checker);
            }
        }
        List<Error> errors = checker.validate(value);
        return errors.stream().limit(3).map(Schemas::describe).toList();
    }

    /** {@code /home/zip: type}, {@code (root): required 'celsius'}: where, which rule, and the property it names. */
    private static String describe(Error e) {
        String where = e.getInstanceLocation().toString();
        return (where.isEmpty() ? "(root)" : where) + ": " + e.getKeyword()
                + (e.getProperty() != null ? " '" + e.getProperty() + "'" : "");
    }

    /**
     * Whether every object in the schema lists all of its properties as required and forbids others
     * (what OpenAI's strict mode demands of each object).
     */
    public static boolean isStrict(JsonNode schema) {
        if (schema.isObject() && ("object".equals(Json.text(schema.get("type"))) || schema.has("properties"))) {
            JsonNode additional = schema.get("additionalProperties");
            if (additional == null || !additional.isBoolean() || additional.asBoolean()) {
                return false;
            }
            JsonNode required = schema.path("required");
            for (Iterator<String> names = schema.path("properties").fieldNames(); names.hasNext(); ) {
                String name = names.next();
                boolean listed = false;
                for (JsonNode r : required) {
                    listed |= name.equals(r.asText());
                }
                if (!listed) {
                    return false;
                }
            }
        }
        for (JsonNode child : schema) {
            if (child.isContainerNode() && !isStrict(child)) {
                return false;
            }
        }
        return true;
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
