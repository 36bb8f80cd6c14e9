package dev.aitenancy.provider.anthropic;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnthropicClientTest {

    static final String KEY = "sk-ant-api03-PLANTEDanthropic-0123456789abcdefXYZ";
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(2));

    final LoopbackServer server = LoopbackServer.start();
    final AnthropicClient client = new AnthropicClient(AnthropicClient.defaultSettings().baseUri(server.uri(""))
            .retryPolicy(FAST).requestTimeout(Duration.ofSeconds(5)).build());

    @AfterEach
    void stop() {
        server.close();
    }

    static ProviderRequest request() {
        return new ProviderRequest("acme", "claude-haiku-4-5", "You are terse.", "Name three primary colours.", 256,
                0.2, ApiKey.of(KEY), "corr-a", null);
    }

    static final String ANSWER = """
            {"id":"msg_01AbCdEf","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
             "content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"Red, yellow"},
                        {"type":"text","text":", blue."}],
             "stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":21,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,
                      "output_tokens":9,"service_tier":"standard"}}""";

    static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    static final String START = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\","
            + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5-20251001\",\"content\":[],"
            + "\"stop_reason\":null,\"usage\":{\"input_tokens\":21,\"cache_creation_input_tokens\":0,"
            + "\"cache_read_input_tokens\":0,\"output_tokens\":1}}}");

    static String delta(String text) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
    }

    static final String END = event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}") + event("message_stop", "{\"type\":\"message_stop\"}");

    static String error(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message
                + "\"},\"request_id\":\"req_011\"}";
    }

    @Test
    void plainAnswerJoinsTextBlocksAndCountsCacheTokensAsInput() throws Throwable {
        server.enqueue(json(200, ANSWER).header("request-id", "req_42"));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(126L, 9L, 100L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.providerModel()).isEqualTo("claude-haiku-4-5-20251001");
        assertThat(r.requestId()).isEqualTo("req_42");
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/messages");
        assertThat(sent.header("x-api-key")).isEqualTo(KEY);
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.header("authorization")).isNull();
        assertThat(sent.header("x-correlation-id")).isEqualTo("corr-a");
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.get("system").asText()).isEqualTo("You are terse.");
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(body.has("stream")).isFalse();
    }

    @Test
    void streamDeliversTokensAndUsageFromMessageStartAndMessageDelta() throws Exception {
        server.enqueue(sse(START, event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                event("ping", "{\"type\":\"ping\"}"), delta("Red, yellow"), delta(", blue."),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"), END));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(l.tokens).containsExactly("Red, yellow", ", blue.");
        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(21L, 9L, 0L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(Json.MAPPER.readTree(server.lastRequest().body()).get("stream").asBoolean()).isTrue();
    }

    @Test
    void authErrorsAreNotRetriedAndNeverShowTheKey() throws Exception {
        server.enqueue(json(401, error("authentication_error", "invalid x-api-key " + KEY)));
        List<ProviderException> seen = new ArrayList<>();

        String logs = LogCapture.stderrOf(() -> seen.add(Futures.failure(client.call(request()), ProviderException.class)));

        ProviderException e = seen.get(0);
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.providerCode()).contains("authentication_error");
        assertThat(server.requests()).hasSize(1);
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString() + e + logs).doesNotContain(KEY).doesNotContain("PLANTEDanthropic");
    }

    @Test
    void rateLimitWithRetryAfterIsRetriedThenSucceeds() throws Throwable {
        server.enqueue(json(429, error("rate_limit_error", "Number of requests has exceeded your rate limit"))
                .header("retry-after", "0.02"), json(200, ANSWER));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void overloaded529IsRetriedThenReported() throws Exception {
        server.otherwise(req -> json(529, error("overloaded_error", "Overloaded")));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(e.httpStatus()).isEqualTo(529);
        assertThat(server.requests()).hasSize(FAST.maxAttempts());
    }

    @Test
    void spendLimitsAndBillingAreQuotaErrorsThatAreNotRetried() throws Exception {
        server.enqueue(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"spend cap\","
                        + "\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}"),
                json(400, error("invalid_request_error", "Your credit balance is too low to access the Anthropic API.")));

        ProviderException capped = Futures.failure(client.call(request()), ProviderException.class);
        ProviderException broke = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(capped.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(capped.providerCode()).contains("enforced_spend_limit_reached");
        assertThat(broke.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aPromptTooLongIsAContextError() throws Exception {
        server.enqueue(json(400, error("invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum")));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(e.getMessage()).contains("215000 tokens");
    }

    @Test
    void anErrorEventInsideA200StreamIsReported() throws Exception {
        server.enqueue(sse(START, delta("Red"), event("error", error("overloaded_error", "Overloaded"))));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderException e = l.awaitError();

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(l.tokens).containsExactly("Red");
        assertThat(server.requests()).as("no retry after a token").hasSize(1);
        assertThat(l.terminalEvents).hasValue(1);
    }

    @Test
    void aStreamEndingWithoutMessageStopIsAProtocolError() throws Exception {
        server.enqueue(sse(START, delta("Red")));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderException e = l.awaitError();

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("message_stop");
        assertThat(l.lastUsage.inputTokens()).isEqualTo(21L);
    }

    @Test
    void aDroppedConnectionAndAStalledServerAreReported() throws Exception {
        AnthropicClient impatient = new AnthropicClient(AnthropicClient.defaultSettings().baseUri(server.uri(""))
                .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofMillis(800)).build());
        server.enqueue(sse(START, delta("Red")).thenDrop(), sse(START).thenStall(), sse().thenStall());

        RecordingListener dropped = new RecordingListener();
        impatient.stream(request(), dropped);
        ProviderException drop = dropped.awaitError();
        RecordingListener stalled = new RecordingListener();
        impatient.stream(request(), stalled);
        ProviderException stall = stalled.awaitError();
        ProviderException plain = Futures.failure(impatient.call(request()), ProviderException.class);

        assertThat(drop.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(dropped.tokens).containsExactly("Red");
        assertThat(stall.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(plain.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
    }

    @Test
    void cancelStopsTheStream() throws Exception {
        server.enqueue(sse(START, delta("Red")).thenStall());
        RecordingListener l = new RecordingListener();

        ProviderStream s = client.stream(request(), l);
        l.awaitFirstToken();

        assertThat(s.cancel()).isTrue();
        assertThat(s.cancel()).isFalse();
        assertThat(l.terminalEvents).hasValue(0);
    }

    @Test
    void verifyUsesTheFreeModelsList() throws Throwable {
        server.enqueue(json(200, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-haiku-4-5\"}],\"has_more\":false}"),
                json(401, error("authentication_error", "invalid x-api-key")));

        Futures.await(client.verify(ApiKey.of(KEY)));
        ProviderException bad = Futures.failure(client.verify(ApiKey.of(KEY)), ProviderException.class);

        assertThat(server.requests().get(0).method()).isEqualTo("GET");
        assertThat(server.requests().get(0).pathAndQuery()).isEqualTo("/v1/models?limit=1");
        assertThat(server.requests().get(0).header("x-api-key")).isEqualTo(KEY);
        assertThat(server.requests().get(0).header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(bad.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
    }
}
