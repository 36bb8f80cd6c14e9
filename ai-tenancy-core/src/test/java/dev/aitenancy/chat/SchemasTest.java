package dev.aitenancy.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.chat.internal.Schemas;
import dev.aitenancy.internal.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemasTest {

    enum Mood { HAPPY, SAD }

    record Address(String city, int zip) {
    }

    record Person(String name, int age, List<String> tags, Mood mood, Address home) {
    }

    @Test
    void aRecordGivesAStrictInlineObjectSchema() throws Exception {
        JsonNode schema = Json.MAPPER.readTree(Schemas.of(Person.class));

        assertThat(schema.path("type").asText()).isEqualTo("object");
        assertThat(schema.path("properties").path("name").path("type").asText()).isEqualTo("string");
        assertThat(schema.path("properties").path("age").path("type").asText()).isEqualTo("integer");
        assertThat(schema.path("properties").path("tags").path("items").path("type").asText()).isEqualTo("string");
        assertThat(schema.path("properties").path("mood").path("enum").toString()).isEqualTo("[\"HAPPY\",\"SAD\"]");
        assertThat(schema.path("properties").path("home").path("properties").path("zip").path("type").asText())
                .isEqualTo("integer");
        assertThat(schema.has("$defs")).isFalse();
        assertThat(schema.toString()).doesNotContain("$ref");
        assertThat(Schemas.isStrict(schema)).isTrue();
        assertThat(ResponseFormat.of(Person.class).strict()).isTrue();
        assertThat(ResponseFormat.of(Person.class).name()).isEqualTo("Person");
    }

    @Test
    void anAnswerIsCheckedAgainstTheSchemaWithoutEchoingIt() throws Exception {
        String schema = Schemas.of(Person.class);
        JsonNode good = Json.MAPPER.readTree("{\"name\":\"Ada\",\"age\":36,\"tags\":[\"x\"],\"mood\":\"HAPPY\","
                + "\"home\":{\"city\":\"London\",\"zip\":1}}");
        JsonNode bad = Json.MAPPER.readTree("{\"name\":\"secret-value\",\"age\":\"old\",\"tags\":[],\"mood\":\"HAPPY\","
                + "\"home\":{\"city\":\"London\",\"zip\":1},\"extra\":1}");

        assertThat(Schemas.violations(schema, good)).isEmpty();
        List<String> problems = Schemas.violations(schema, bad);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("age").contains("type"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("additionalProperties"));
        assertThat(String.join(" ", problems)).doesNotContain("secret-value").doesNotContain("old");
    }

    @Test
    void aLooseSchemaIsSentWithoutStrict() {
        ResponseFormat loose = ResponseFormat.jsonSchema("loose", "{\"type\":\"object\",\"properties\":"
                + "{\"a\":{\"type\":\"string\"}}}");

        assertThat(loose.strict()).isFalse();
        assertThat(ResponseFormat.json().hasSchema()).isFalse();
    }

    @Test
    void malformedSchemasAndToolNamesAreRefusedWithWhatToDo() {
        InvalidRequestException notJson = catchThrowableOfType(InvalidRequestException.class,
                () -> ResponseFormat.jsonSchema("x", "{\"type\":"));
        InvalidRequestException notObject = catchThrowableOfType(InvalidRequestException.class,
                () -> Tool.of("lookup", "d", "[1]"));
        InvalidRequestException badName = catchThrowableOfType(InvalidRequestException.class,
                () -> Tool.withoutArguments("look up!", "d"));
        InvalidRequestException notAnObjectType = catchThrowableOfType(InvalidRequestException.class,
                () -> ResponseFormat.of(String.class));

        assertThat(notJson.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(notJson).hasMessageContaining("not valid JSON");
        assertThat(notObject).hasMessageContaining("must be a JSON object");
        assertThat(badName).hasMessageContaining("1 to 64 letters");
        assertThat(notAnObjectType).hasMessageContaining("not an object");
    }

    @Test
    void toolCallArgumentsReadAsAMapOrARecord() {
        ToolCall call = new ToolCall("call_1", "lookup", "{\"city\":\"Paris\",\"zip\":75001}");

        assertThat(call.arguments()).containsEntry("city", "Paris").containsEntry("zip", 75001);
        assertThat(call.arguments(Address.class)).isEqualTo(new Address("Paris", 75001));
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> new ToolCall("call_2", "lookup", "{\"city\": \"Paris").arguments());
        assertThat(e).hasMessageContaining("call_2").hasMessageNotContaining("Paris");
    }
}
