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
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import org.junit.jupiter.api.Test;

/** OpenAI's client: the provider contract, and OpenAI's own quirks. */
class OpenAiClientTest extends OpenAiWireContract {

    static final ApiKey KEY = ApiKey.of("sk-proj-PLANTEDsecret0123456789abcdefXYZ");

    @Override
    protected ProviderClient newClient(ProviderSettings settings) {
        return new OpenAiClient(settings);
    }

    @Override
    protected ApiKey key() {
        return KEY;
    }

    @Override
    protected String model() {
        return "gpt-4.1-mini";
    }

    @Test
    void theRequestHasTheChatCompletionsShapeAndTheAnswerItsCachedTokensAndRequestId() throws Throwable {
        server.enqueue(json(200, "{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4.1-mini-2025-04-14\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":6,\"prompt_tokens_details\":{\"cached_tokens\":4}}}")
                .header("x-request-id", "req_42"));

        ProviderResponse r = Futures.await(client().call(request()));

        assertThat(r.usage()).isEqualTo(new TokenUsage(24L, 6L, 4L));
        assertThat(r.providerModel()).isEqualTo("gpt-4.1-mini-2025-04-14");
        assertThat(r.requestId()).isEqualTo("req_42");
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.get("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(256);
        assertThat(body.has("temperature")).as("temperature only when the caller set it").isFalse();
        assertThat(body.has("stream")).isFalse();
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(body.get("messages").get(1).get("content").asText()).isEqualTo("Name three primary colours.");
    }

    @Test
    void aStreamAsksForUsage() throws Exception {
        server.enqueue(stream("a"));
        RecordingListener l = new RecordingListener();

        client().stream(request(), l);
        l.awaitResponse();

        JsonNode body = Json.MAPPER.readTree(server.lastRequest().body());
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(server.lastRequest().header("accept")).isEqualTo("text/event-stream");
    }

    @Test
    void anAnswerWithoutUsageHasUnknownTokensNotZero() throws Throwable {
        server.enqueue(json(200, "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"length\"}]}"));

        ProviderResponse r = Futures.await(client().call(request()));

        assertThat(r.usage()).isEqualTo(TokenUsage.UNKNOWN);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aStreamAcceptsCrLfLineEndsCommentsAndAMissingDone() throws Exception {
        server.enqueue(sse(": keep-alive\r\n\r\n", chunk("a", null).replace("\n", "\r\n"), chunk("b", "stop")));
        RecordingListener l = new RecordingListener();

        client().stream(request(), l);

        assertThat(l.awaitResponse().text()).isEqualTo("ab");
        assertThat(l.lastUsage).isEqualTo(TokenUsage.UNKNOWN);
    }

    @Test
    void aQuotaExhausted429IsNotRetriedButARateLimitIs() throws Exception {
        server.otherwise(req -> json(429, error("You exceeded your current quota", "insufficient_quota",
                "insufficient_quota")));

        ProviderException e = failureOf(client().call(request()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("out of credit");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void xShouldRetryFalseStopsARetry() throws Exception {
        server.otherwise(req -> serverError().header("x-should-retry", "false"));

        ProviderException e = failureOf(client().call(request()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void theKeyCheckIsTheFreeModelListAndAStarredKeyInItsErrorIsMasked() throws Throwable {
        server.enqueue(keyCheckOk(), json(401, error("Incorrect API key provided: sk-abc***xyz",
                "invalid_request_error", "invalid_api_key")));
        ProviderClient client = client();

        Futures.await(client.verify(KEY));
        ProviderException bad = failureOf(client.verify(KEY));

        assertThat(server.requests().get(0).pathAndQuery()).isEqualTo("/v1/models");
        assertThat(server.requests().get(0).header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        assertThat(bad.getMessage()).doesNotContain("sk-abc");
    }

    @Test
    void theDefaultBaseUrlIsTheOrigin() {
        assertThat(OpenAiClient.DEFAULT_BASE_URL).isEqualTo("https://api.openai.com");
        assertThat(OpenAiClient.create().toString()).contains("https://api.openai.com]");
    }
}
