package dev.aitenancy.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.FinishReason;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Chat Completions answer read from its bytes in one streaming pass reads exactly as the same
 * body read into a tree: ordinary answers and odd ones (duplicate fields, values of the wrong
 * type, numbers where text is expected, bodies that are not objects or not JSON).
 */
class ChatCompletionsAnswerTest {

    private static final ProviderRequest REQUEST = new ProviderRequest("acme", "gpt-4.1-mini", null, "hi", 10, null,
            ApiKey.of("sk-answer-test-0000000000000000000000"), null, null);
    private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (a, b) -> true);

    @Test
    void anOrdinaryAnswer() throws Exception {
        String body = "{\n  \"id\": \"chatcmpl-1\",\n  \"object\": \"chat.completion\",\n  \"created\": 1,\n"
                + "  \"model\": \"gpt-4.1-mini-2025-04-14\",\n  \"choices\": [{\"index\": 0, \"message\": {\"role\": "
                + "\"assistant\", \"content\": \"- one\\n- two \\u00e9\", \"refusal\": null, \"annotations\": []},"
                + " \"logprobs\": null, \"finish_reason\": \"stop\"}],\n  \"usage\": {\"prompt_tokens\": 40,"
                + " \"completion_tokens\": 12, \"total_tokens\": 52, \"prompt_tokens_details\": {\"cached_tokens\": 8,"
                + " \"audio_tokens\": 0}, \"completion_tokens_details\": {\"reasoning_tokens\": 0}},\n"
                + "  \"service_tier\": \"default\", \"system_fingerprint\": null\n}";
        ProviderResponse r = ChatCompletionsFormat.OPENAI.answer(bytes(body), NO_HEADERS, REQUEST);
        assertThat(r).isEqualTo(new ProviderResponse("- one\n- two é", new TokenUsage(40L, 12L, 8L), FinishReason.STOP,
                "gpt-4.1-mini-2025-04-14", "chatcmpl-1", List.of()));
        assertThat(r).isEqualTo(tree(body, NO_HEADERS)).isEqualTo(ChatCompletionsAnswer.read(bytes(body), NO_HEADERS));
        HttpHeaders withId = HttpHeaders.of(Map.of("x-request-id", List.of("req_9")), (a, b) -> true);
        assertThat(ChatCompletionsFormat.OPENAI.answer(bytes(body), withId, REQUEST).requestId()).isEqualTo("req_9");
    }

    @Test
    void toolCalls() throws Exception {
        String body = "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"function\":{\"name\":\"now\",\"arguments\":{\"tz\":\"UTC\"}}}]},\"finish_reason\":\"tool_calls\"}]}";
        ProviderResponse r = ChatCompletionsFormat.OPENAI.answer(bytes(body), NO_HEADERS, REQUEST);
        assertThat(r.toolCalls()).containsExactly(new ToolCall("c1", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_1", "now", "{\"tz\":\"UTC\"}"));
        assertThat(r).isEqualTo(tree(body, NO_HEADERS));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"choices\":[]}",
        "{\"choices\":null,\"usage\":null,\"model\":null,\"id\":null}",
        "{\"choices\":{\"0\":{\"message\":{\"content\":\"x\"}}}}",
        "{\"choices\":[\"x\",{\"message\":{\"content\":\"second\"}}]}",
        "{\"choices\":[{\"message\":\"text\",\"finish_reason\":7}]}",
        "{\"choices\":[{\"message\":{\"content\":{\"a\":1},\"tool_calls\":null}}]}",
        "{\"choices\":[{\"message\":{\"content\":[\"a\"],\"tool_calls\":{\"x\":{\"function\":{\"name\":\"n\"}}}}}]}",
        "{\"choices\":[{\"message\":{\"content\":12.50}}],\"model\":true,\"id\":-0}",
        "{\"choices\":[{\"message\":{\"content\":\"a\"},\"message\":{\"role\":\"assistant\"}}]}",
        "{\"choices\":[{\"message\":{\"content\":\"a\",\"content\":\"b\"},\"finish_reason\":\"length\","
                + "\"finish_reason\":\"content_filter\"}]}",
        "{\"choices\":[{\"message\":{\"content\":\"a\"}}],\"choices\":[{\"finish_reason\":\"stop\"}]}",
        "{\"usage\":{\"prompt_tokens\":\"40\",\"completion_tokens\":12.9,\"prompt_tokens_details\":[1]}}",
        "{\"usage\":{\"prompt_tokens\":99999999999999999999999,\"completion_tokens\":3,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1e2}}}",
        "{\"usage\":{\"prompt_tokens\":1},\"usage\":7}",
        "{\"usage\":{\"prompt_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":3},"
                + "\"prompt_tokens_details\":null}}",
        "{\"model\":{\"name\":\"m\"},\"id\":[1,2],\"extra\":{\"deep\":[[{\"a\":[]}]]}} trailing",
        "{\"choices\":[{\"message\":{\"content\":\"caf\u00e9 \\ud83d\\ude00\"},\"finish_reason\":\"weird\"}]}"
    })
    void oddAnswersReadAsTheirTreeReads(String body) throws Exception {
        ProviderResponse expected = tree(body, NO_HEADERS);
        assertThat(ChatCompletionsAnswer.read(bytes(body), NO_HEADERS)).isEqualTo(expected); // taken, not fallen back from
        assertThat(ChatCompletionsFormat.OPENAI.answer(bytes(body), NO_HEADERS, REQUEST)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "[{\"choices\":[]}]", "\"text\"", "  {\"model\":\"m\"}", "{\"model\":", "{\"a\":1,}",
        "{\"model\":\"m\" \"id\":1}", "{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":-3}}"})
    void bodiesTheStreamingPassDoesNotTakeFailOrReadAsBefore(String body) throws Exception {
        Object expected;
        try {
            expected = tree(body, NO_HEADERS);
        } catch (Exception e) {
            assertThatThrownBy(() -> ChatCompletionsFormat.OPENAI.answer(bytes(body), NO_HEADERS, REQUEST))
                    .isInstanceOf(e.getClass()).hasMessage(e.getMessage());
            return;
        }
        assertThat(ChatCompletionsFormat.OPENAI.answer(bytes(body), NO_HEADERS, REQUEST)).isEqualTo(expected);
    }

    @Test
    void invalidUtf8ReadsAsTheDecodedTextReads() throws Exception {
        byte[] body = "{\"choices\":[{\"message\":{\"content\":\"a?b\"}}]}".getBytes(StandardCharsets.UTF_8);
        body[new String(body, StandardCharsets.UTF_8).indexOf('?')] = (byte) 0xC3; // a lone lead byte: U+FFFD as text
        ProviderResponse r = ChatCompletionsFormat.OPENAI.answer(body, NO_HEADERS, REQUEST);
        assertThat(r.text()).isEqualTo("a\uFFFDb");
    }

    private static ProviderResponse tree(String body, HttpHeaders headers) throws Exception {
        return ChatCompletionsFormat.OPENAI.answer(Json.MAPPER.readTree(body), headers, REQUEST);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
