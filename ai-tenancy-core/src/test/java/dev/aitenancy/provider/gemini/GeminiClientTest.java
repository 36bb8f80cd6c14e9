package dev.aitenancy.provider.gemini;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.contract.ProviderContract;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Reply;
import dev.aitenancy.testing.RecordingListener;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Gemini's generateContent API (§3 of the wire-format reference): the provider contract, and its quirks. */
class GeminiClientTest extends ProviderContract {

    static final ApiKey KEY = ApiKey.of("AIzaSyPLANTEDgemini0123456789abcdefXYZ");

    static String error(int code, String status, String message, String details) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status
                + "\",\"details\":[" + details + "]}}";
    }

    static final String KEY_INVALID = error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
            "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
                    + "\"domain\":\"googleapis.com\"}");

    static String retryInfo(String delay) {
        return "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" + delay + "\"}";
    }

    static String quotaFailure(String quotaId) {
        return "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":\"" + quotaId
                + "\"}]}";
    }

    @Override
    protected ProviderClient newClient(ProviderSettings settings) {
        return new GeminiClient(settings);
    }

    @Override
    protected ApiKey key() {
        return KEY;
    }

    @Override
    protected String model() {
        return "gemini-2.5-flash";
    }

    @Override
    protected String legacyBaseSuffix() {
        return "/v1beta";
    }

    @Override
    protected Reply answer(String text, long in, long out) {
        return json(200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + text + "\"}]},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":" + in
                + ",\"candidatesTokenCount\":" + out + ",\"totalTokenCount\":" + (in + out) + "},"
                + "\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"AbCdEf\"}");
    }

    @Override
    protected String streamStart() {
        return "";
    }

    @Override
    protected String streamToken(String text) {
        return ("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}],\"role\":\"model\"},"
                + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":24}}\n\n").replace("\n", "\r\n");
    }

    @Override
    protected String streamEnd(long in, long out) {
        return ("data: {\"candidates\":[{\"content\":{\"parts\":[],\"role\":\"model\"},\"finishReason\":\"STOP\","
                + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":" + in + ",\"candidatesTokenCount\":" + out
                + "},\"modelVersion\":\"gemini-2.5-flash\"}\n\n").replace("\n", "\r\n");
    }

    @Override
    protected String streamServerError() {
        return "data: " + error(500, "INTERNAL", "An internal error has occurred.", "") + "\r\n\r\n";
    }

    @Override
    protected Reply keyRefused(String echoed) {
        return json(400, KEY_INVALID.replace("Please pass", echoed + " Please pass"));
    }

    @Override
    protected Reply rateLimited(Duration retryAfter) {
        return json(429, error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota",
                quotaFailure("GenerateRequestsPerMinutePerProjectPerModel-FreeTier") + ","
                        + retryInfo(retryAfter.toMillis() / 1000.0 + "s")));
    }

    @Override
    protected Reply serverError() {
        return json(500, error(500, "INTERNAL", "An internal error has occurred.", ""));
    }

    @Override
    protected Reply overloaded() {
        return json(503, error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", ""));
    }

    @Override
    protected Reply unknownModel(String model) {
        return json(404, error(404, "NOT_FOUND", "models/" + model + " is not found for API version v1beta, or is not "
                + "supported for generateContent.", ""));
    }

    @Override
    protected Reply contextTooLong() {
        return json(400, error(400, "INVALID_ARGUMENT",
                "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).", ""));
    }

    @Override
    protected Reply keyCheckOk() {
        return json(200, "{\"models\":[{\"name\":\"models/gemini-2.5-flash\"}]}");
    }

    @Test
    void theModelIsInTheUrlTheKeyInAHeaderAndThoughtsAreBilledAsOutputButNotShown() throws Throwable {
        server.enqueue(json(200, """
                {"candidates":[{"content":{"role":"model","parts":[{"text":"thinking...","thought":true},
                    {"text":"Red, yellow"},{"functionCall":{"name":"x"}},{"text":", blue."}]},"finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":14,"candidatesTokenCount":6,"thoughtsTokenCount":32,
                                  "cachedContentTokenCount":4},"modelVersion":"gemini-2.5-flash"}"""));

        ProviderResponse r = Futures.await(client().call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(14L, 38L, 4L));
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(sent.header("x-goog-api-key")).isEqualTo(KEY.reveal());
        assertThat(sent.pathAndQuery()).doesNotContain(KEY.reveal());
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.at("/systemInstruction/parts/0/text").asText()).isEqualTo("You are terse.");
        assertThat(body.at("/contents/0/role").asText()).isEqualTo("user");
        assertThat(body.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(256);
        assertThat(body.at("/generationConfig").has("temperature")).isFalse();
    }

    @Test
    void aStreamUsesAltSseAndKeepsTheLastUsageEvenFromAChunkWithoutCandidates() throws Exception {
        server.enqueue(sse(streamToken("Red"), "data: {\"usageMetadata\":{\"promptTokenCount\":14,"
                + "\"candidatesTokenCount\":7,\"thoughtsTokenCount\":32},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n"));
        RecordingListener l = new RecordingListener();

        client().stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(r.usage()).isEqualTo(new TokenUsage(14L, 39L, 0L));
        assertThat(server.lastRequest().pathAndQuery())
                .isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void aBlockedPromptIsAContentFilterAnswerWithNoText() throws Throwable {
        server.enqueue(json(200, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\",\"safetyRatings\":[]},"
                + "\"usageMetadata\":{\"promptTokenCount\":9}}"));

        ProviderResponse r = Futures.await(client().call(request()));

        assertThat(r.text()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.CONTENT_FILTER);
        assertThat(r.usage().inputTokens()).isEqualTo(9L);
        assertThat(r.usage().outputTokens()).isNull();
    }

    @Test
    void aPerDayQuotaIsNotRetriedEvenWithARetryDelay() throws Exception {
        server.otherwise(req -> json(429, error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota",
                quotaFailure("GenerateRequestsPerDayPerProjectPerModel-FreeTier") + "," + retryInfo("0.02s"))));

        ProviderException daily = failureOf(client().call(request()));

        assertThat(daily.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void theRetryDelayInTheBodyIsReportedWhenItIsTooLongToWaitFor() throws Exception {
        server.otherwise(req -> rateLimited(Duration.ofSeconds(37)));

        ProviderException e = failureOf(client().call(request()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(37));
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void anOverloadInsideAStreamIsAnOverload() throws Exception {
        server.enqueue(sse(streamToken("Red"), "data: " + error(503, "UNAVAILABLE", "The model is overloaded.", "")
                + "\r\n\r\n"));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(l.tokens).containsExactly("Red");
    }

    @Test
    void theKeyCheckListsModelsWithTheKeyInAHeader() throws Throwable {
        server.enqueue(keyCheckOk());

        Futures.await(client().verify(KEY));

        assertThat(server.lastRequest().pathAndQuery()).isEqualTo("/v1beta/models?pageSize=1");
        assertThat(server.lastRequest().header("x-goog-api-key")).isEqualTo(KEY.reveal());
    }
}
