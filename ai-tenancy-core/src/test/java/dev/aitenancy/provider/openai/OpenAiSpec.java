package dev.aitenancy.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.aitenancy.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * OpenAI's official schemas (extracted from its OpenAPI spec by scripts/extract-openai-schemas.py):
 * what a request body, an answer or a stream chunk must look like.
 */
public final class OpenAiSpec {

    private static final ObjectNode COMPONENTS = load();

    private OpenAiSpec() {
    }

    private static ObjectNode load() {
        try (InputStream in = OpenAiSpec.class.getResourceAsStream("openai-chat-schemas.json")) {
            ObjectNode components = (ObjectNode) Json.MAPPER.readTree(in).get("components");
            nullableAsTypes(components);
            return components;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The spec still marks optional nulls the OpenAPI 3.0 way ({@code nullable: true}), which JSON
     * Schema ignores; as 3.1 says it, such a type also admits null.
     */
    private static void nullableAsTypes(JsonNode node) {
        if (node instanceof ObjectNode o && o.path("nullable").asBoolean(false)) {
            JsonNode type = o.get("type");
            if (type != null && type.isTextual()) {
                o.putArray("type").add(type.asText()).add("null");
            }
            if (o.path("enum").isArray()) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) o.get("enum")).addNull();
            }
        }
        node.forEach(OpenAiSpec::nullableAsTypes);
    }

    /** What is wrong with {@code value} as the spec's {@code schemaName}; empty when it conforms. */
    public static List<String> violations(String schemaName, JsonNode value) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("$ref", "#/components/schemas/" + schemaName);
        root.set("components", COMPONENTS);
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root.toString());
        return schema.validate(value).stream().map(Error::toString).toList();
    }

    public static List<String> violations(String schemaName, String json) throws IOException {
        return violations(schemaName, Json.MAPPER.readTree(json));
    }
}
