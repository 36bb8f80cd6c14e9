package dev.aitenancy.provider.openai;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ChatFixtures;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Messages, images, tools and JSON answers in the Chat Completions wire format, each body checked
 * against OpenAI's official OpenAPI schemas.
 */
class OpenAiChatWireTest {

    private static final ApiKey KEY = ApiKey.of("sk-proj-PLANTEDsecret0123456789abcdefXYZ");
    private final LoopbackServer server = LoopbackServer.start();
    private final OpenAiClient client = new OpenAiClient(ProviderSettings.builder(server.uri("")).build());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyKindOfMessageToolsAndASchemaGoOutInTheSpecsShape() throws Throwable {
        server.enqueue(json(200, answer("{\"city\":\"Paris\",\"celsius\":21,\"notes\":[]}", null, "stop")));

        Futures.await(client.call(ChatFixtures.request("gpt-4.1-mini", KEY, ResponseFormat.of(ChatFixtures.Forecast.class),
                List.of(ChatFixtures.WEATHER))));

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(OpenAiSpec.violations("CreateChatCompletionRequest", body)).isEmpty();
        JsonNode m = body.get("messages");
        assertThat(m).hasSize(6);
        assertThat(m.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"You are terse.\"}");
        assertThat(m.get(1).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"Answer in French.\"}");
        assertThat(m.get(2).at("/content/0/text").asText()).isEqualTo("What is in these pictures?");
        assertThat(m.get(2).at("/content/1/image_url/url").asText()).isEqualTo("https://example.com/cat.png");
        assertThat(m.get(2).at("/content/2/image_url/url").asText())
                .isEqualTo("data:image/png;base64," + ChatFixtures.PNG_BASE64);
        assertThat(m.get(3).at("/tool_calls/0/id").asText()).isEqualTo("call_w1");
        assertThat(m.get(3).at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(m.get(4).toString())
                .isEqualTo("{\"role\":\"tool\",\"tool_call_id\":\"call_w1\",\"content\":\"{\\\"celsius\\\":21}\"}");
        assertThat(body.at("/tools/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(body.at("/tools/0/function/parameters/properties/city/type").asText()).isEqualTo("string");
        assertThat(body.at("/response_format/type").asText()).isEqualTo("json_schema");
        assertThat(body.at("/response_format/json_schema/name").asText()).isEqualTo("Forecast");
        assertThat(body.at("/response_format/json_schema/strict").asBoolean()).isTrue();
        assertThat(body.at("/response_format/json_schema/schema/required").toString())
                .isEqualTo("[\"city\",\"celsius\",\"notes\"]");
    }

    @Test
    void jsonWithoutASchemaAsksForAJsonObject() throws Throwable {
        server.enqueue(json(200, answer("{}", null, "stop")));

        Futures.await(client.call(ChatFixtures.simple("gpt-4.1-mini", KEY, ResponseFormat.json(), List.of())));

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(OpenAiSpec.violations("CreateChatCompletionRequest", body)).isEmpty();
        assertThat(body.get("response_format").toString()).isEqualTo("{\"type\":\"json_object\"}");
        assertThat(body.has("tools")).isFalse();
    }

    @Test
    void theToolCallsOfAnAnswerAreRead() throws Throwable {
        String calls = "[{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":\"call_b\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]";
        String answer = answer(null, calls, "tool_calls");
        assertThat(OpenAiSpec.violations("CreateChatCompletionResponse", answer)).isEmpty();
        server.enqueue(json(200, answer));

        ProviderResponse r = Futures.await(client.call(ChatFixtures.simple("gpt-4.1-mini", KEY, null,
                List.of(ChatFixtures.WEATHER))));

        assertThat(r.text()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call_a", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_b", "get_weather", "{\"city\":\"Oslo\"}"));
        assertThat(r.toolCalls().get(1).arguments(ChatFixtures.WeatherArgs.class))
                .isEqualTo(new ChatFixtures.WeatherArgs("Oslo"));
    }

    @Test
    void streamedToolCallArgumentsAreAssembledIntoWholeCalls() throws Throwable {
        List<String> chunks = List.of(
                chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\":\\\"Paris\\\"}\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]}", null),
                chunk("{}", "tool_calls"));
        StringBuilder stream = new StringBuilder();
        for (String c : chunks) {
            assertThat(OpenAiSpec.violations("CreateChatCompletionStreamResponse", c)).isEmpty();
            stream.append("data: ").append(c).append("\n\n");
        }
        stream.append("data: [DONE]\n\n");
        server.enqueue(sse(stream.toString()));
        RecordingListener l = new RecordingListener();

        client.stream(ChatFixtures.simple("gpt-4.1-mini", KEY, null, List.of(ChatFixtures.WEATHER)), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.toolCalls()).containsExactly(new ToolCall("call_a", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_b", "get_weather", "{\"city\":\"Oslo\"}"));
    }

    @Test
    void theSpecCheckCatchesABodyOfTheWrongShape() throws Throwable {
        assertThat(OpenAiSpec.violations("CreateChatCompletionRequest",
                "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}")).isNotEmpty();
        assertThat(OpenAiSpec.violations("CreateChatCompletionRequest", "{\"model\":\"gpt-4.1\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"xml\"}}")).isNotEmpty();
    }

    static String answer(String content, String toolCalls, String finish) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1753350000,\"model\":\"gpt-4.1-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + (content == null ? "null" : Json.MAPPER.valueToTree(content).toString()) + ",\"refusal\":null"
                + (toolCalls == null ? "" : ",\"tool_calls\":" + toolCalls) + "},\"logprobs\":null,\"finish_reason\":\""
                + finish + "\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5,\"total_tokens\":25}}";
    }

    static String chunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1753350000,\"model\":"
                + "\"gpt-4.1-mini\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,"
                + "\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }
}
