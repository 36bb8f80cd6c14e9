package dev.aitenancy.provider.gemini;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ChatFixtures;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Messages, images, function calling and JSON answers in Gemini's generateContent. */
class GeminiChatWireTest {

    private static final ApiKey KEY = ApiKey.of("AIzaPLANTEDsecret0123456789abcdefghijk");
    private final LoopbackServer server = LoopbackServer.start();
    private final GeminiClient client = new GeminiClient(ProviderSettings.builder(server.uri("")).build());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyKindOfMessageToolsAndASchemaGoOutInGeminisShape() throws Throwable {
        server.enqueue(json(200, answer("[{\"text\":\"{\\\"city\\\":\\\"Paris\\\",\\\"celsius\\\":19,\\\"notes\\\":[]}\"}]",
                "STOP")));

        ProviderResponse r = Futures.await(client.call(ChatFixtures.request("gemini-2.5-flash", KEY,
                ResponseFormat.of(ChatFixtures.Forecast.class), List.of(ChatFixtures.WEATHER))));

        assertThat(r.text()).isEqualTo("{\"city\":\"Paris\",\"celsius\":19,\"notes\":[]}");
        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.at("/systemInstruction/parts/0/text").asText()).isEqualTo("You are terse.\n\nAnswer in French.");
        JsonNode c = body.get("contents");
        assertThat(c).hasSize(3);
        assertThat(c.get(0).get("role").asText()).isEqualTo("user");
        assertThat(c.get(0).at("/parts/1/fileData").toString())
                .isEqualTo("{\"mimeType\":\"image/png\",\"fileUri\":\"https://example.com/cat.png\"}");
        assertThat(c.get(0).at("/parts/2/inlineData/data").asText()).isEqualTo(ChatFixtures.PNG_BASE64);
        assertThat(c.get(1).get("role").asText()).isEqualTo("model");
        assertThat(c.get(1).at("/parts/1/functionCall").toString())
                .isEqualTo("{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}");
        assertThat(c.get(2).get("role").asText()).isEqualTo("user");
        assertThat(c.get(2).at("/parts/0/functionResponse").toString())
                .isEqualTo("{\"name\":\"get_weather\",\"response\":{\"celsius\":21}}");
        assertThat(c.get(2).at("/parts/1/text").asText()).isEqualTo("And tomorrow?");
        JsonNode declaration = body.at("/tools/0/functionDeclarations/0");
        assertThat(declaration.get("name").asText()).isEqualTo("get_weather");
        assertThat(declaration.at("/parameters").toString())
                .isEqualTo("{\"type\":\"object\",\"required\":[\"city\"],\"properties\":{\"city\":{\"type\":\"string\"}}}");
        assertThat(body.at("/generationConfig/responseMimeType").asText()).isEqualTo("application/json");
        assertThat(body.at("/generationConfig/responseSchema/properties/notes/items/type").asText()).isEqualTo("string");
        assertThat(body.at("/generationConfig/responseSchema").has("additionalProperties"))
                .as("Gemini's schema subset has no additionalProperties").isFalse();
    }

    @Test
    void aTextToolResultIsWrappedInAnObject() throws Throwable {
        server.enqueue(json(200, answer("[{\"text\":\"ok\"}]", "STOP")));
        ProviderRequest request = new ProviderRequest("acme", "gemini-2.5-flash", null, List.of(Message.user("hi"),
                Message.assistant("", List.of(ChatFixtures.WEATHER_CALL)),
                Message.toolResult(ChatFixtures.WEATHER_CALL, "sunny")), List.of(ChatFixtures.WEATHER), null, 64, null,
                KEY, null, Duration.ofSeconds(5));

        Futures.await(client.call(request));

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.at("/contents/2/parts/0/functionResponse/response").toString())
                .isEqualTo("{\"result\":\"sunny\"}");
    }

    @Test
    void functionCallsOfAnAnswerAndOfAStreamAreRead() throws Throwable {
        String parts = "[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}},"
                + "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Oslo\"}}}]";
        server.enqueue(json(200, answer(parts, "STOP")));
        ProviderResponse plain = Futures.await(client.call(ChatFixtures.simple("gemini-2.5-flash", KEY, null,
                List.of(ChatFixtures.WEATHER))));

        server.enqueue(sse("data: " + answer("[{\"text\":\"Checking.\"}]", null) + "\r\n\r\n",
                "data: " + answer("[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}}]", null)
                        + "\r\n\r\n",
                "data: " + answer("[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Oslo\"}}}]", "STOP")
                        + "\r\n\r\n"));
        RecordingListener l = new RecordingListener();
        client.stream(ChatFixtures.simple("gemini-2.5-flash", KEY, null, List.of(ChatFixtures.WEATHER)), l);
        ProviderResponse streamed = l.awaitResponse();

        List<ToolCall> expected = List.of(new ToolCall("call_0", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_1", "get_weather", "{\"city\":\"Oslo\"}"));
        assertThat(plain.toolCalls()).isEqualTo(expected);
        assertThat(plain.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(streamed.toolCalls()).isEqualTo(expected);
        assertThat(streamed.text()).isEqualTo("Checking.");
        assertThat(streamed.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    @Test
    void anImageUrlWhoseTypeIsUnknownIsRefusedWithWhatToDo() {
        ProviderRequest request = new ProviderRequest("acme", "gemini-2.5-flash", null, List.of(Message.user(
                Part.text("what is this?"), Part.imageUrl("https://example.com/picture"))), List.of(), null, 64, null,
                KEY, null, Duration.ofSeconds(5));

        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> Futures.await(client.call(request)));

        InvalidRequestException streamed = catchThrowableOfType(InvalidRequestException.class,
                () -> client.stream(request, new RecordingListener()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e).hasMessageContaining("media type").hasMessageContaining("inline");
        assertThat(streamed).hasMessage(e.getMessage());
        assertThat(server.requests()).isEmpty();
    }

    private static String answer(String parts, String finish) {
        return "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":" + parts + "}"
                + (finish == null ? "" : ",\"finishReason\":\"" + finish + "\"") + ",\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":30,\"candidatesTokenCount\":8,\"totalTokenCount\":38},"
                + "\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"resp-1\"}";
    }
}
