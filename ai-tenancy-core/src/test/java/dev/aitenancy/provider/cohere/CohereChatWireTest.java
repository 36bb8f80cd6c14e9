package dev.aitenancy.provider.cohere;

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

/** Messages, images, tools and JSON answers in Cohere's Chat API v2. */
class CohereChatWireTest {

    private static final ApiKey KEY = ApiKey.of("co-PLANTEDsecret0123456789abcdefghijklmn");
    private final LoopbackServer server = LoopbackServer.start();
    private final CohereClient client = new CohereClient(ProviderSettings.builder(server.uri("")).build());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyKindOfMessageToolsAndASchemaGoOutInCoheresShape() throws Throwable {
        server.enqueue(json(200, answer("\"content\":[{\"type\":\"text\",\"text\":\"{}\"}]", "COMPLETE")));

        Futures.await(client.call(ChatFixtures.request("command-a-03-2025", KEY,
                ResponseFormat.of(ChatFixtures.Forecast.class), List.of(ChatFixtures.WEATHER))));

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        JsonNode m = body.get("messages");
        assertThat(m).hasSize(6);
        assertThat(m.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"You are terse.\"}");
        assertThat(m.get(2).at("/content/1").toString())
                .isEqualTo("{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}");
        assertThat(m.get(3).toString()).isEqualTo("{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_w1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}],"
                + "\"tool_plan\":\"Let me check the weather first.\"}");
        assertThat(m.get(4).toString()).isEqualTo("{\"role\":\"tool\",\"tool_call_id\":\"call_w1\",\"content\":"
                + "[{\"type\":\"document\",\"document\":{\"data\":\"{\\\"celsius\\\":21}\"}}]}");
        assertThat(body.at("/tools/0/function/parameters/properties/city/type").asText()).isEqualTo("string");
        assertThat(body.at("/response_format/type").asText()).isEqualTo("json_object");
        assertThat(body.at("/response_format/json_schema/required").toString())
                .isEqualTo("[\"city\",\"celsius\",\"notes\"]");
    }

    @Test
    void toolCallsOfAnAnswerAndOfAStreamAreRead() throws Throwable {
        server.enqueue(json(200, answer("\"tool_plan\":\"I will check.\",\"tool_calls\":[{\"id\":\"get_weather_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]",
                "TOOL_CALL")));
        ProviderResponse plain = Futures.await(client.call(ChatFixtures.simple("command-a-03-2025", KEY, null,
                List.of(ChatFixtures.WEATHER))));

        server.enqueue(sse(
                event("message-start", "{\"id\":\"c1\",\"type\":\"message-start\",\"delta\":{\"message\":"
                        + "{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],\"citations\":[]}}}"),
                event("tool-plan-delta", "{\"type\":\"tool-plan-delta\",\"delta\":{\"message\":{\"tool_plan\":\"I will\"}}}"),
                event("tool-call-start", "{\"type\":\"tool-call-start\",\"index\":0,\"delta\":{\"message\":{\"tool_calls\":"
                        + "{\"id\":\"get_weather_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        + "\"arguments\":\"\"}}}}}"),
                event("tool-call-delta", "{\"type\":\"tool-call-delta\",\"index\":0,\"delta\":{\"message\":{\"tool_calls\":"
                        + "{\"function\":{\"arguments\":\"{\\\"city\\\":\"}}}}}"),
                event("tool-call-delta", "{\"type\":\"tool-call-delta\",\"index\":0,\"delta\":{\"message\":{\"tool_calls\":"
                        + "{\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}}}}"),
                event("tool-call-end", "{\"type\":\"tool-call-end\",\"index\":0}"),
                event("message-end", "{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"TOOL_CALL\",\"usage\":"
                        + "{\"billed_units\":{\"input_tokens\":30,\"output_tokens\":10},\"tokens\":{\"input_tokens\":500,"
                        + "\"output_tokens\":20}}}}")));
        RecordingListener l = new RecordingListener();
        client.stream(ChatFixtures.simple("command-a-03-2025", KEY, null, List.of(ChatFixtures.WEATHER)), l);
        ProviderResponse streamed = l.awaitResponse();

        ToolCall expected = new ToolCall("get_weather_1", "get_weather", "{\"city\":\"Paris\"}");
        assertThat(plain.toolCalls()).containsExactly(expected);
        assertThat(plain.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(streamed.toolCalls()).containsExactly(expected);
        assertThat(streamed.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static String answer(String message, String finish) {
        return "{\"id\":\"c1\",\"finish_reason\":\"" + finish + "\",\"message\":{\"role\":\"assistant\"," + message
                + "},\"usage\":{\"billed_units\":{\"input_tokens\":30,\"output_tokens\":10},"
                + "\"tokens\":{\"input_tokens\":500,\"output_tokens\":20}}}";
    }
}
