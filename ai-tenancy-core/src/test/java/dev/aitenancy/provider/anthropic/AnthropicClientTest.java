package dev.aitenancy.provider.anthropic;

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
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Reply;
import dev.aitenancy.testing.RecordingListener;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Anthropic's Messages API (§2 of the wire-format reference): the provider contract, and its quirks. */
class AnthropicClientTest extends ProviderContract {

    static final ApiKey KEY = ApiKey.of("sk-ant-api03-PLANTEDanthropic-0123456789abcdefXYZ");

    static String error(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message
                + "\"},\"request_id\":\"req_011\"}";
    }

    @Override
    protected ProviderClient newClient(ProviderSettings settings) {
        return new AnthropicClient(settings);
    }

    @Override
    protected ApiKey key() {
        return KEY;
    }

    @Override
    protected String model() {
        return "claude-haiku-4-5";
    }

    @Override
    protected Reply answer(String text, long in, long out) {
        return json(200, "{\"id\":\"msg_01AbCdEf\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-haiku-4-5-20251001\",\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}],"
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + in
                + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":" + out + "}}");
    }

    @Override
    protected String streamStart() {
        return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-haiku-4-5-20251001\",\"content\":[],\"stop_reason\":null,"
                + "\"usage\":{\"input_tokens\":24,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":1}}}")
                + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                + event("ping", "{\"type\":\"ping\"}");
    }

    @Override
    protected String streamToken(String text) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
    }

    @Override
    protected String streamEnd(long in, long out) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"input_tokens\":" + in + ",\"output_tokens\":" + out + "}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
    }

    @Override
    protected String streamServerError() {
        return event("error", error("api_error", "Internal server error"));
    }

    @Override
    protected Reply keyRefused(String echoed) {
        return json(401, error("authentication_error", "invalid x-api-key " + echoed));
    }

    @Override
    protected Reply rateLimited(Duration retryAfter) {
        return json(429, error("rate_limit_error", "Number of requests has exceeded your rate limit"))
                .header("retry-after", Double.toString(retryAfter.toMillis() / 1000.0));
    }

    @Override
    protected Reply serverError() {
        return json(500, error("api_error", "Internal server error"));
    }

    @Override
    protected Reply overloaded() {
        return json(529, error("overloaded_error", "Overloaded"));
    }

    @Override
    protected Reply unknownModel(String model) {
        return json(404, error("not_found_error", "model: " + model));
    }

    @Override
    protected Reply contextTooLong() {
        return json(400, error("invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum"));
    }

    @Override
    protected Reply keyCheckOk() {
        return json(200, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-haiku-4-5\"}],\"has_more\":false}");
    }

    @Test
    void theRequestCarriesTheKeyAndVersionHeadersAndTheAnswerCountsCacheTokensAsInput() throws Throwable {
        server.enqueue(json(200, """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
                 "content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"Red, yellow"},
                            {"type":"text","text":", blue."}],
                 "stop_reason":"max_tokens","usage":{"input_tokens":21,"cache_creation_input_tokens":5,
                 "cache_read_input_tokens":100,"output_tokens":9}}""").header("request-id", "req_42"));
        ProviderRequest withTemperature = new ProviderRequest(ORG, model(), "You are terse.", "hi", 256, 0.2, KEY,
                "corr-a", null);

        ProviderResponse r = Futures.await(client().call(withTemperature));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(126L, 9L, 100L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.requestId()).isEqualTo("req_42");
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/messages");
        assertThat(sent.header("x-api-key")).isEqualTo(KEY.reveal());
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.header("authorization")).isNull();
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.get("system").asText()).isEqualTo("You are terse.");
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("user");
    }

    @Test
    void aStreamTakesInputFromMessageStartWhenMessageDeltaHasOnlyOutput() throws Exception {
        server.enqueue(sse(streamStart(), streamToken("a"), event("message_delta", "{\"type\":\"message_delta\","
                + "\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":9}}"),
                event("message_stop", "{\"type\":\"message_stop\"}")));
        RecordingListener l = new RecordingListener();

        client().stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(r.usage()).isEqualTo(new TokenUsage(24L, 9L, 0L));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void spendLimitsAndBillingAreQuotaErrorsThatAreNotRetried() throws Exception {
        server.enqueue(json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"spend cap\","
                        + "\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}"),
                json(400, error("invalid_request_error", "Your credit balance is too low to access the Anthropic API.")));
        ProviderClient client = client();

        ProviderException capped = failureOf(client.call(request()));
        ProviderException broke = failureOf(client.call(request()));

        assertThat(capped.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(capped.providerCode()).contains("enforced_spend_limit_reached");
        assertThat(broke.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void anOverloadInsideAStreamIsAnOverload() throws Exception {
        server.enqueue(sse(streamStart(), streamToken("Red"), event("error", error("overloaded_error", "Overloaded"))));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(e.providerCode()).contains("overloaded_error");
        assertThat(l.tokens).containsExactly("Red");
    }

    @Test
    void aStreamEndingWithoutMessageStopIsCutAndIsRetriedOnlyBeforeItsFirstToken() throws Exception {
        server.enqueue(sse(streamStart()), sse(streamStart(), streamToken("Red")));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("ended before message_stop");
        assertThat(l.tokens).containsExactly("Red");
        assertThat(l.lastUsage.inputTokens()).isEqualTo(24L);
        assertThat(server.requests()).as("the first cut had no token: retried once").hasSize(2);
    }

    @Test
    void theKeyCheckIsTheFreeModelList() throws Throwable {
        server.enqueue(keyCheckOk());

        Futures.await(client().verify(KEY));

        assertThat(server.lastRequest().pathAndQuery()).isEqualTo("/v1/models?limit=1");
        assertThat(server.lastRequest().header("x-api-key")).isEqualTo(KEY.reveal());
        assertThat(server.lastRequest().header("anthropic-version")).isEqualTo("2023-06-01");
    }
}
