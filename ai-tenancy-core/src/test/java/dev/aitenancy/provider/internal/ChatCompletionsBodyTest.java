package dev.aitenancy.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderRequest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes of Chat Completions request bodies: field order, escaping, numbers and nulls, for
 * every kind of message, tools, response formats and streams. The expected strings are what the
 * format sent when it built a Jackson tree per request and serialized it.
 */
class ChatCompletionsBodyTest {

    private static final Endpoint ENDPOINT = new Endpoint(URI.create("http://127.0.0.1:9"), Map.of("X-Extra", "1"));
    private static final ApiKey KEY = ApiKey.of("sk-body-test-0000000000000000000000");

    @Test
    void aPlainPromptAsTheLoadHarnessSendsIt() throws Exception {
        ProviderRequest r = new ProviderRequest("acme", "gpt-4.1-mini", null, "Summarize ticket 7 in three bullets",
                400, null, KEY, "c-1", null);
        assertThat(body(ChatCompletionsFormat.OPENAI, r, false)).isEqualTo("{\"model\":\"gpt-4.1-mini\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Summarize ticket 7 in three bullets\"}],"
                + "\"max_completion_tokens\":400}");
    }

    @Test
    void everyKindOfMessageWithToolsASchemaATemperatureAndAStream() throws Exception {
        ToolCall call = new ToolCall("call_1", "get_weather", "{\"city\":\"Zürich\"}");
        List<Message> messages = List.of(
                Message.user("Quote: \"hi\"\n\ttab \u0001 ünïcødé 😀 </script>"),
                Message.user(Part.text("what is this?"), Part.imageUrl("https://example.com/a.png"),
                        Part.imageBase64("image/png", "iVBORw0KGgo=")),
                Message.assistant(null, List.of(call)),
                Message.assistant("It is sunny.", List.of(call)),
                Message.toolResult(call, "{\"temp\":21.5}"),
                Message.system("be brief"));
        ProviderRequest r = new ProviderRequest("acme", "gpt-4o", "You are terse.", messages,
                List.of(Tool.of("get_weather", "The weather in a city",
                        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"),
                        Tool.withoutArguments("now", "The time")),
                ResponseFormat.jsonSchema("Forecast", "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"number\","
                        + "\"minimum\":-1.5E2,\"maximum\":100}},\"required\":[\"t\"]}"),
                250, 0.7, KEY, null, null);
        assertThat(body(ChatCompletionsFormat.OPENAI, r, true)).isEqualTo(EXPECTED_RICH);
    }

    @Test
    void olderServersGetMaxTokensAndNoStreamOptions() throws Exception {
        ChatCompletionsFormat older = new ChatCompletionsFormat("/openai/deployments/{model}/chat/completions?api-version=1",
                "/openai/models", "api-key", false, "max_tokens", false);
        ProviderRequest r = new ProviderRequest("acme", "my deployment", "  ", List.of(Message.user("x")), List.of(),
                ResponseFormat.json(), 5, 1.0, KEY, null, null);
        HttpRequest request = older.generate(ENDPOINT, r, true).build();
        assertThat(request.uri().toString())
                .isEqualTo("http://127.0.0.1:9/openai/deployments/my+deployment/chat/completions?api-version=1");
        assertThat(request.headers().firstValue("api-key")).contains(KEY.reveal());
        assertThat(request.headers().firstValue("Accept")).contains("text/event-stream");
        assertThat(read(request)).isEqualTo("{\"model\":\"my deployment\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}],\"max_tokens\":5,\"temperature\":1.0,\"response_format\":{\"type\":\"json_object\"},"
                + "\"stream\":true}");
    }

    @Test
    void theRequestCarriesTheKeyTheCorrelationIdAndTheExtraHeaders() throws Exception {
        ProviderRequest r = new ProviderRequest("acme", "gpt-4.1-mini", null, "hi", 10, null, KEY, "corr-9", null);
        HttpRequest request = ChatCompletionsFormat.OPENAI.generate(ENDPOINT, r, false).build();
        assertThat(request.uri().toString()).isEqualTo("http://127.0.0.1:9/v1/chat/completions");
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.headers().map()).containsEntry("Authorization", List.of("Bearer " + KEY.reveal()))
                .containsEntry("Content-Type", List.of("application/json"))
                .containsEntry("Accept", List.of("application/json"))
                .containsEntry("x-correlation-id", List.of("corr-9"))
                .containsEntry("X-Extra", List.of("1"));
        assertThat(request.bodyPublisher().orElseThrow().contentLength()).isEqualTo(read(request)
                .getBytes(StandardCharsets.UTF_8).length);
    }

    private static final String EXPECTED_RICH = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{"
            + "\"role\":\"user\",\"content\":\"Quote: \\\"hi\\\"\\n\\ttab \\u0001 \u00FCn\u00EFc\u00F8d\u00E9 \\uD83D\\uDE00 </script>\"},{"
            + "\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is this?\"},{"
            + "\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}},{"
            + "\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]},{"
            + "\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Z\u00FCrich\\\"}\"}}]},{"
            + "\"role\":\"assistant\",\"content\":\"It is sunny.\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Z\u00FCrich\\\"}\"}}]},{"
            + "\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"{\\\"temp\\\":21.5}\"},{"
            + "\"role\":\"system\",\"content\":\"be brief\"}],\"max_completion_tokens\":250,\"temperature\":0.7,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"The weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}},{"
            + "\"type\":\"function\",\"function\":{\"name\":\"now\",\"description\":\"The time\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"Forecast\",\"schema\":{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"number\",\"minimum\":-150.0,\"maximum\":100}},\"required\":[\"t\"]},\"strict\":false}},\"stream\":true,\"stream_options\":{\"include_usage\":true}}";

    static String body(ChatCompletionsFormat format, ProviderRequest r, boolean stream) throws Exception {
        return read(format.generate(ENDPOINT, r, stream).build());
    }

    /** The body a request publishes, read the way the HttpClient reads it. */
    static String read(HttpRequest request) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Void> done = new CompletableFuture<>();
        request.bodyPublisher().orElseThrow().subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] b = new byte[item.remaining()];
                item.get(b);
                out.write(b, 0, b.length);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        });
        done.get(5, TimeUnit.SECONDS);
        return out.toString(StandardCharsets.UTF_8);
    }
}
