package dev.aitenancy.provider.gemini;

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

class GeminiClientTest {

    static final String KEY = "AIzaSyPLANTEDgemini0123456789abcdefXYZ";
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(2));

    final LoopbackServer server = LoopbackServer.start();
    final GeminiClient client = new GeminiClient(GeminiClient.defaultSettings().baseUri(server.uri("/v1beta"))
            .retryPolicy(FAST).requestTimeout(Duration.ofSeconds(5)).build());

    @AfterEach
    void stop() {
        server.close();
    }

    static ProviderRequest request() {
        return new ProviderRequest("acme", "gemini-2.5-flash", "You are terse.", "Name three primary colours.", 256,
                null, ApiKey.of(KEY), "corr-g", null);
    }

    static final String ANSWER = """
            {"candidates":[{"content":{"role":"model","parts":[{"text":"thinking...","thought":true},
                {"text":"Red, yellow"},{"functionCall":{"name":"x"}},{"text":", blue."}]},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":14,"candidatesTokenCount":6,"totalTokenCount":52,
                              "thoughtsTokenCount":32,"cachedContentTokenCount":4},
             "modelVersion":"gemini-2.5-flash","responseId":"AbCdEf"}""";

    static String error(int code, String status, String message, String details) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status
                + "\",\"details\":[" + details + "]}}";
    }

    static final String KEY_INVALID = error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
            "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
                    + "\"domain\":\"googleapis.com\"}");

    @Test
    void plainAnswerSkipsThoughtsAndBillsThemAsOutput() throws Throwable {
        server.enqueue(json(200, ANSWER));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(14L, 38L, 4L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.providerModel()).isEqualTo("gemini-2.5-flash");
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(sent.header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(sent.pathAndQuery()).doesNotContain(KEY);
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.at("/systemInstruction/parts/0/text").asText()).isEqualTo("You are terse.");
        assertThat(body.at("/contents/0/role").asText()).isEqualTo("user");
        assertThat(body.at("/contents/0/parts/0/text").asText()).isEqualTo("Name three primary colours.");
        assertThat(body.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(256);
        assertThat(body.at("/generationConfig").has("temperature")).isFalse();
    }

    @Test
    void aBlockedPromptIsAContentFilterAnswerWithNoText() throws Throwable {
        server.enqueue(json(200, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\",\"safetyRatings\":[]},"
                + "\"usageMetadata\":{\"promptTokenCount\":9}}"));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.CONTENT_FILTER);
        assertThat(r.usage().inputTokens()).isEqualTo(9L);
        assertThat(r.usage().outputTokens()).isNull();
    }

    @Test
    void streamWithCrLfEventsKeepsTheLastUsage() throws Exception {
        server.enqueue(sse(("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Red, yellow\"}],\"role\":\"model\"},"
                        + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":14,\"totalTokenCount\":14}}\n\n").replace("\n", "\r\n"),
                ("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\", blue.\"}],\"role\":\"model\"},"
                        + "\"finishReason\":\"MAX_TOKENS\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":14,"
                        + "\"candidatesTokenCount\":6,\"thoughtsTokenCount\":32}}\n\n").replace("\n", "\r\n"),
                "data: {\"usageMetadata\":{\"promptTokenCount\":14,\"candidatesTokenCount\":7,\"thoughtsTokenCount\":32},"
                        + "\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n"));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(l.tokens).containsExactly("Red, yellow", ", blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(14L, 39L, 0L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(server.lastRequest().pathAndQuery())
                .isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void anInvalidKeyIsA400ThatMeansAuthAndNeverShowsTheKey() throws Exception {
        server.enqueue(json(400, KEY_INVALID.replace("Please pass", KEY + " Please pass")));
        List<ProviderException> seen = new ArrayList<>();

        String logs = LogCapture.stderrOf(() -> seen.add(Futures.failure(client.call(request()), ProviderException.class)));

        ProviderException e = seen.get(0);
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.providerCode()).contains("API_KEY_INVALID");
        assertThat(server.requests()).hasSize(1);
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString() + e + logs).doesNotContain(KEY).doesNotContain("PLANTEDgemini");
    }

    @Test
    void aPerMinuteLimitIsRetriedAfterRetryInfoButADailyQuotaIsNot() throws Throwable {
        String perMinute = error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota",
                "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
                        + "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},"
                        + "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.02s\"}");
        String perDay = error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota",
                "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
                        + "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]},"
                        + "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.02s\"}");
        server.enqueue(json(429, perMinute), json(200, ANSWER), json(429, perDay));

        ProviderResponse ok = Futures.await(client.call(request()));
        ProviderException daily = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(ok.text()).isEqualTo("Red, yellow, blue.");
        assertThat(daily.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void overloadIsRetriedThenReportedAndContextTooLongIsNot() throws Exception {
        server.enqueue(json(503, error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", "")),
                json(503, error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", "")),
                json(503, error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", "")),
                json(400, error(400, "INVALID_ARGUMENT",
                        "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).", "")));

        ProviderException overloaded = Futures.failure(client.call(request()), ProviderException.class);
        ProviderException tooLong = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(overloaded.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(tooLong.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(server.requests()).hasSize(4);
    }

    @Test
    void anErrorInsideTheStreamIsReported() throws Exception {
        server.enqueue(sse("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Red\"}]},\"index\":0}]}\n\n",
                "data: " + error(500, "INTERNAL", "An internal error has occurred.", "") + "\n\n"));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderException e = l.awaitError();

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(l.tokens).containsExactly("Red");
        assertThat(l.terminalEvents).hasValue(1);
    }

    @Test
    void aDroppedConnectionAStalledServerAndCancelAreHandled() throws Exception {
        GeminiClient impatient = new GeminiClient(GeminiClient.defaultSettings().baseUri(server.uri("/v1beta"))
                .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofMillis(800)).build());
        String red = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Red\"}]},\"index\":0}]}\n\n";
        server.enqueue(sse(red).thenDrop(), sse(red).thenStall(), sse().thenStall(), sse(red).thenStall());

        RecordingListener dropped = new RecordingListener();
        impatient.stream(request(), dropped);
        ProviderException drop = dropped.awaitError();
        RecordingListener stalled = new RecordingListener();
        impatient.stream(request(), stalled);
        ProviderException stall = stalled.awaitError();
        ProviderException plain = Futures.failure(impatient.call(request()), ProviderException.class);
        RecordingListener canceled = new RecordingListener();
        ProviderStream s = client.stream(request(), canceled);
        canceled.awaitFirstToken();

        assertThat(drop.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(stall.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(stalled.tokens).containsExactly("Red");
        assertThat(plain.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(s.cancel()).isTrue();
        assertThat(canceled.terminalEvents).hasValue(0);
    }

    @Test
    void verifyListsModelsWithTheKeyInAHeader() throws Throwable {
        server.enqueue(json(200, "{\"models\":[{\"name\":\"models/gemini-2.5-flash\"}]}"), json(400, KEY_INVALID));

        Futures.await(client.verify(ApiKey.of(KEY)));
        ProviderException bad = Futures.failure(client.verify(ApiKey.of(KEY)), ProviderException.class);

        assertThat(server.requests().get(0).method()).isEqualTo("GET");
        assertThat(server.requests().get(0).pathAndQuery()).isEqualTo("/v1beta/models?pageSize=1");
        assertThat(server.requests().get(0).header("x-goog-api-key")).isEqualTo(KEY);
        assertThat(bad.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
    }
}
