package dev.aitenancy.provider.anthropic;

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

/** Messages, images, tools and JSON answers (a forced tool) in Anthropic's Messages API. */
class AnthropicChatWireTest {

    private static final ApiKey KEY = ApiKey.of("sk-ant-api03-PLANTEDsecret0123456789abcdef");
    private final LoopbackServer server = LoopbackServer.start();
    private final AnthropicClient client = new AnthropicClient(ProviderSettings.builder(server.uri("")).build());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyKindOfMessageGoesOutInAnthropicsShape() throws Throwable {
        server.enqueue(json(200, answer("[{\"type\":\"text\",\"text\":\"Demain il pleut.\"}]", "end_turn")));

        ProviderResponse r = Futures.await(client.call(ChatFixtures.request("claude-sonnet-4-5", KEY, null,
                List.of(ChatFixtures.WEATHER))));

        assertThat(r.text()).isEqualTo("Demain il pleut.");
        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.get("system").asText()).isEqualTo("You are terse.\n\nAnswer in French.");
        JsonNode m = body.get("messages");
        assertThat(m).hasSize(3); // user, assistant, user (the tool result and the next question together)
        assertThat(m.get(0).get("role").asText()).isEqualTo("user");
        assertThat(m.get(0).at("/content/0/text").asText()).isEqualTo("What is in these pictures?");
        assertThat(m.get(0).at("/content/1/source").toString())
                .isEqualTo("{\"type\":\"url\",\"url\":\"https://example.com/cat.png\"}");
        assertThat(m.get(0).at("/content/2/source/type").asText()).isEqualTo("base64");
        assertThat(m.get(0).at("/content/2/source/media_type").asText()).isEqualTo("image/png");
        assertThat(m.get(0).at("/content/2/source/data").asText()).isEqualTo(ChatFixtures.PNG_BASE64);
        assertThat(m.get(1).get("role").asText()).isEqualTo("assistant");
        assertThat(m.get(1).at("/content/0/text").asText()).isEqualTo("Let me check the weather first.");
        assertThat(m.get(1).at("/content/1").toString()).isEqualTo(
                "{\"type\":\"tool_use\",\"id\":\"call_w1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}");
        assertThat(m.get(2).get("role").asText()).isEqualTo("user");
        assertThat(m.get(2).at("/content/0").toString()).isEqualTo(
                "{\"type\":\"tool_result\",\"tool_use_id\":\"call_w1\",\"content\":\"{\\\"celsius\\\":21}\"}");
        assertThat(m.get(2).at("/content/1/text").asText()).isEqualTo("And tomorrow?");
        assertThat(body.at("/tools/0/name").asText()).isEqualTo("get_weather");
        assertThat(body.at("/tools/0/input_schema/properties/city/type").asText()).isEqualTo("string");
        assertThat(body.has("tool_choice")).isFalse();
    }

    @Test
    void aToolUseAnswerGivesToolCalls() throws Throwable {
        server.enqueue(json(200, answer("[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":\"tool_use\","
                + "\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]", "tool_use")));

        ProviderResponse r = Futures.await(client.call(ChatFixtures.simple("claude-sonnet-4-5", KEY, null,
                List.of(ChatFixtures.WEATHER))));

        assertThat(r.text()).isEqualTo("Checking.");
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.toolCalls()).containsExactly(new ToolCall("toolu_01", "get_weather", "{\"city\":\"Paris\"}"));
    }

    @Test
    void aJsonAnswerIsAForcedToolWhoseInputIsTheAnswer() throws Throwable {
        server.enqueue(json(200, answer("[{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"Forecast\","
                + "\"input\":{\"city\":\"Paris\",\"celsius\":21,\"notes\":[\"dry\"]}}]", "tool_use")));

        ProviderResponse r = Futures.await(client.call(ChatFixtures.simple("claude-sonnet-4-5", KEY,
                ResponseFormat.of(ChatFixtures.Forecast.class), List.of())));

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.at("/tools/0/name").asText()).isEqualTo("Forecast");
        assertThat(body.at("/tools/0/input_schema/required").toString()).isEqualTo("[\"city\",\"celsius\",\"notes\"]");
        assertThat(body.get("tool_choice").toString()).isEqualTo("{\"type\":\"tool\",\"name\":\"Forecast\"}");
        assertThat(r.text()).isEqualTo("{\"city\":\"Paris\",\"celsius\":21,\"notes\":[\"dry\"]}");
        assertThat(r.toolCalls()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void withHostToolsTooTheModelMayCallThemBeforeAnswering() throws Throwable {
        server.enqueue(json(200, answer("[{\"type\":\"text\",\"text\":\"x\"}]", "end_turn")));

        Futures.await(client.call(ChatFixtures.simple("claude-sonnet-4-5", KEY, ResponseFormat.json(),
                List.of(ChatFixtures.WEATHER))));

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.get("tools")).hasSize(2);
        assertThat(body.at("/tools/1/name").asText()).isEqualTo(AnthropicFormat.ANSWER_TOOL);
        assertThat(body.at("/tools/1/input_schema").toString()).isEqualTo("{\"type\":\"object\"}");
        assertThat(body.get("tool_choice").toString()).isEqualTo("{\"type\":\"any\"}");
    }

    @Test
    void streamedToolInputIsAssembledAndAStreamedJsonAnswerArrivesAsText() throws Exception {
        server.enqueue(sse(start() + block(0, "{\"type\":\"text\",\"text\":\"\"}")
                + delta(0, "{\"type\":\"text_delta\",\"text\":\"Checking.\"}")
                + block(1, "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}")
                + delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}")
                + delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}")
                + end("tool_use")));
        RecordingListener tools = new RecordingListener();
        client.stream(ChatFixtures.simple("claude-sonnet-4-5", KEY, null, List.of(ChatFixtures.WEATHER)), tools);
        ProviderResponse withTools = tools.awaitResponse();

        server.enqueue(sse(start() + block(0, "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"json_answer\","
                + "\"input\":{}}")
                + delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}")
                + delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}")
                + end("tool_use")));
        RecordingListener json = new RecordingListener();
        client.stream(ChatFixtures.simple("claude-sonnet-4-5", KEY, ResponseFormat.json(), List.of()), json);
        ProviderResponse answer = json.awaitResponse();

        assertThat(withTools.text()).isEqualTo("Checking.");
        assertThat(withTools.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(withTools.toolCalls()).containsExactly(new ToolCall("toolu_01", "get_weather", "{\"city\": \"Paris\"}"));
        assertThat(answer.text()).isEqualTo("{\"a\":1}");
        assertThat(answer.toolCalls()).isEmpty();
        assertThat(answer.finishReason()).isEqualTo(FinishReason.STOP);
    }

    private static String answer(String content, String stop) {
        return "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                + "\"content\":" + content + ",\"stop_reason\":\"" + stop + "\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":30,\"output_tokens\":12}}";
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static String start() {
        return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,"
                + "\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}");
    }

    private static String block(int index, String block) {
        return event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":" + block + "}");
    }

    private static String delta(int index, String delta) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":"
                + delta + "}");
    }

    private static String end(String stop) {
        return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stop
                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":40}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
    }

    @Test
    void anEmptyAnswerInTheHistoryIsLeftOutRatherThanSentAsAnEmptyBlock() throws Throwable {
        server.enqueue(json(200, answer("[{\"type\":\"text\",\"text\":\"ok\"}]", "end_turn")));

        Futures.await(client.call(new dev.aitenancy.provider.ProviderRequest("acme", "claude-sonnet-4-5", null,
                List.of(dev.aitenancy.chat.Message.user("one"), dev.aitenancy.chat.Message.assistant(""),
                        dev.aitenancy.chat.Message.user("two")), List.of(), null, 64, null, KEY, null,
                java.time.Duration.ofSeconds(5))));

        JsonNode m = Json.MAPPER.readTree(server.lastRequest().body()).get("messages");
        assertThat(m).hasSize(1);
        assertThat(m.get(0).toString()).isEqualTo("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"one\"},"
                + "{\"type\":\"text\",\"text\":\"two\"}]}");
    }
}
