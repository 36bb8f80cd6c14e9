package dev.aitenancy.provider.openai;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiClientTest {

    static final String KEY = "sk-proj-PLANTEDsecret0123456789abcdefXYZ";
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(2));

    final LoopbackServer server = LoopbackServer.start();
    final OpenAiClient client = new OpenAiClient(OpenAiClient.defaultSettings()
            .baseUri(server.uri("/v1")).retryPolicy(FAST).requestTimeout(Duration.ofSeconds(5)).build());
    final List<Object> seen = new ArrayList<>();

    @AfterEach
    void stop() {
        server.close();
    }

    static ProviderRequest request() {
        return new ProviderRequest("acme", "gpt-4.1-mini", "You are terse.", "Name three primary colours.", 256, null,
                ApiKey.of(KEY), "corr-1", null);
    }

    static final String ANSWER = """
            {"id":"chatcmpl-AbC123","object":"chat.completion","created":1753350000,"model":"gpt-4.1-mini-2025-04-14",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Red, yellow, blue.","refusal":null,"annotations":[]},
                         "logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":24,"completion_tokens":6,"total_tokens":30,
                      "prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},
                      "completion_tokens_details":{"reasoning_tokens":0}},
             "service_tier":"default","system_fingerprint":"fp_0123456789"}""";

    static String chunk(String content, String finish) {
        return "data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1-mini-2025-04-14\","
                + "\"choices\":[{\"index\":0,\"delta\":{" + (content == null ? "" : "\"content\":\"" + content + "\"")
                + "},\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}],\"usage\":null}\n\n";
    }

    static final String USAGE_CHUNK = "data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":6,\"total_tokens\":30,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n";

    @Test
    void plainAnswerIsReadWithUsageAndTheRequestHasTheWireShape() throws Throwable {
        server.enqueue(json(200, ANSWER).header("x-request-id", "req_42"));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(24L, 6L, 4L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.providerModel()).isEqualTo("gpt-4.1-mini-2025-04-14");
        assertThat(r.requestId()).isEqualTo("req_42");

        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.header("x-correlation-id")).isEqualTo("corr-1");
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.get("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(256);
        assertThat(body.has("temperature")).as("temperature only when the caller set it").isFalse();
        assertThat(body.has("stream")).isFalse();
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(body.get("messages").get(1).get("content").asText()).isEqualTo("Name three primary colours.");
    }

    @Test
    void answerWithoutUsageHasUnknownTokensNotZero() throws Throwable {
        server.enqueue(json(200, "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"length\"}]}"));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.usage()).isEqualTo(TokenUsage.UNKNOWN);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void streamDeliversTokensInOrderAndUsageFromTheFinalChunk() throws Exception {
        server.enqueue(sse(chunk("", null), chunk("Red, yellow", null), chunk(", blue.", null), chunk(null, "stop"),
                USAGE_CHUNK, "data: [DONE]\n\n"));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(l.tokens).containsExactly("Red, yellow", ", blue.");
        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(24L, 6L, 0L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(l.terminalEvents).hasValue(1);
        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void streamAcceptsCrLfLineEndsAndCommentsAndAMissingDone() throws Exception {
        server.enqueue(sse(": keep-alive\r\n\r\n", chunk("a", null).replace("\n", "\r\n"), chunk("b", "stop")));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);

        assertThat(l.awaitResponse().text()).isEqualTo("ab");
        assertThat(l.lastUsage).isEqualTo(TokenUsage.UNKNOWN);
    }

    @Test
    void unauthorizedIsAnAuthErrorThatIsNotRetriedAndNeverShowsTheKey() throws Exception {
        server.enqueue(json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY
                + ". You can find your API key at https://platform.openai.com/account/api-keys.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));

        String logs = LogCapture.stderrOf(() -> {
            ProviderException e = Futures.failure(client.call(request()), ProviderException.class);
            seen.add(e);
        });

        ProviderException e = (ProviderException) seen.get(0);
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.httpStatus()).isEqualTo(401);
        assertThat(e.retryable()).isFalse();
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(e.getMessage()).contains("invalid_api_key").contains("org acme").contains("providers");
        assertThat(server.requests()).hasSize(1);
        assertNoKey(e, logs);
    }

    @Test
    void quotaExhaustedIsNotRetriedButRateLimitIs() throws Exception {
        server.enqueue(json(429, "{\"error\":{\"message\":\"You exceeded your current quota\","
                + "\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}"));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(e.retryable()).isFalse();
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void rateLimitWithRetryAfterIsRetriedThenSucceeds() throws Throwable {
        server.enqueue(json(429, "{\"error\":{\"message\":\"Rate limit reached for requests\",\"type\":\"requests\","
                        + "\"code\":\"rate_limit_exceeded\"}}").header("retry-after-ms", "20"),
                json(200, ANSWER));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void retryAfterLongerThanThePolicyAllowsFailsAtOnceAndReportsTheDelay() throws Exception {
        server.enqueue(json(429, "{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limit_exceeded\"}}")
                .header("retry-after", "120"));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void serverErrorsAreRetriedUpToThePolicyThenReported() throws Exception {
        server.otherwise(req -> json(503, "{\"error\":{\"message\":\"The engine is currently overloaded, please try again later\","
                + "\"type\":\"server_error\",\"code\":null}}"));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(e.retryable()).isTrue();
        assertThat(server.requests()).hasSize(FAST.maxAttempts());
    }

    @Test
    void xShouldRetryFalseStopsARetry() throws Exception {
        server.enqueue(json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}")
                .header("x-should-retry", "false"));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void contextTooLongAndBadRequestsAreNotRetried() throws Exception {
        server.enqueue(json(400, "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
                        + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"),
                json(404, "{\"error\":{\"message\":\"The model `nope` does not exist\",\"type\":\"invalid_request_error\","
                        + "\"code\":\"model_not_found\"}}"));

        ProviderException tooLong = Futures.failure(client.call(request()), ProviderException.class);
        ProviderException notFound = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(tooLong.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(notFound.code()).isEqualTo(ErrorCode.AI_PROVIDER_MODEL_NOT_FOUND);
        assertThat(notFound.providerCode()).contains("model_not_found");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void invalidJsonIsAProtocolError() throws Exception {
        server.enqueue(json(200, "{\"choices\": [ this is not json"));

        ProviderException e = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_PROTOCOL);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aStalledServerTimesOut() throws Exception {
        OpenAiClient impatient = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofMillis(800)).build());
        server.enqueue(sse(chunk("partial", null)).thenStall(), sse().thenStall());

        ProviderException plain = Futures.failure(impatient.call(request()), ProviderException.class);
        RecordingListener l = new RecordingListener();
        impatient.stream(request(), l);
        ProviderException streamed = l.awaitError();

        assertThat(plain.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(streamed.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
    }

    @Test
    void aStreamThatStallsAfterTokensTimesOutWithTheTokensDelivered() throws Exception {
        OpenAiClient impatient = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                .retryPolicy(FAST).requestTimeout(Duration.ofMillis(800)).build());
        server.enqueue(sse(chunk("Red", null)).thenStall());
        RecordingListener l = new RecordingListener();

        impatient.stream(request(), l);
        ProviderException e = l.awaitError();

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(l.tokens).containsExactly("Red");
        assertThat(server.requests()).as("no retry once tokens were delivered").hasSize(1);
    }

    @Test
    void anErrorInsideA200StreamIsReportedWithItsCode() throws Exception {
        server.enqueue(sse(chunk("Red", null),
                "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"code\":null}}\n\n"));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderException e = l.awaitError();

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("inside the stream").contains("The server had an error");
        assertThat(l.tokens).containsExactly("Red");
        assertThat(l.terminalEvents).hasValue(1);
    }

    @Test
    void aDroppedConnectionMidStreamIsReported() throws Exception {
        server.enqueue(sse(chunk("Red", null)).thenDrop());
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderException e = l.awaitError();

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(l.tokens).containsExactly("Red");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aStreamRefusedWith429IsRetriedBeforeAnyToken() throws Exception {
        server.enqueue(json(429, "{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limit_exceeded\"}}")
                .header("retry-after-ms", "10"), sse(chunk("ok", "stop"), "data: [DONE]\n\n"));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);

        assertThat(l.awaitResponse().text()).isEqualTo("ok");
        assertThat(server.requests()).hasSize(2);
        assertThat(l.terminalEvents).hasValue(1);
    }

    @Test
    void cancelStopsTheStreamAndNothingArrivesAfterwards() throws Exception {
        server.enqueue(sse(chunk("Red", null)).thenStall());
        RecordingListener l = new RecordingListener();

        ProviderStream s = client.stream(request(), l);
        l.awaitFirstToken();
        boolean canceled = s.cancel();

        assertThat(canceled).isTrue();
        assertThat(s.cancel()).as("idempotent").isFalse();
        assertThat(l.terminalEvents).hasValue(0);
        assertThat(l.ended()).isFalse();
        assertThat(l.tokens).containsExactly("Red");
    }

    @Test
    void cancelingTheFutureOfACallAbortsIt() throws Exception {
        server.enqueue(sse().thenStall());

        var f = client.call(request());
        while (server.requests().isEmpty()) {
            Thread.onSpinWait();
        }
        assertThat(f.cancel(true)).isTrue();
        assertThat(f.isCancelled()).isTrue();
    }

    @Test
    void verifyUsesTheFreeModelsEndpoint() throws Throwable {
        server.enqueue(json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4.1-mini\",\"object\":\"model\"}]}"),
                json(401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc***xyz\",\"code\":\"invalid_api_key\"}}"));

        Futures.await(client.verify(ApiKey.of(KEY)));
        ProviderException bad = Futures.failure(client.verify(ApiKey.of(KEY)), ProviderException.class);

        assertThat(server.requests().get(0).method()).isEqualTo("GET");
        assertThat(server.requests().get(0).pathAndQuery()).isEqualTo("/v1/models");
        assertThat(server.requests().get(0).header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(bad.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(bad.getMessage()).doesNotContain("sk-abc");
    }

    @Test
    void anUnreachableProviderIsUnavailable() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OpenAiClient nowhere = new OpenAiClient(OpenAiClient.defaultSettings()
                .baseUri(java.net.URI.create("http://127.0.0.1:" + port + "/v1")).retryPolicy(FAST).build());

        ProviderException e = Futures.failure(nowhere.call(request()), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("could not connect");
    }

    static void assertNoKey(Throwable e, String logs) {
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(KEY).doesNotContain("PLANTEDsecret");
        assertThat(e.toString()).doesNotContain(KEY);
        assertThat(logs).doesNotContain(KEY).doesNotContain("PLANTEDsecret");
    }
}
