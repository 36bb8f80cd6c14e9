package dev.aitenancy.provider.cohere;

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

/** Cohere's Chat API v2 (§7 of the wire-format reference): the provider contract, and its quirks. */
class CohereClientTest extends ProviderContract {

    static final ApiKey KEY = ApiKey.of("co-PLANTEDcohere-0123456789abcdefghijXYZ");

    static String message(String text) {
        return "{\"id\":\"0f6c2a8e\",\"message\":\"" + text + "\"}";
    }

    static String end(String finish, long in, long out) {
        return event("message-end", "{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"" + finish + "\","
                + "\"usage\":{\"billed_units\":{\"input_tokens\":" + in + ",\"output_tokens\":" + out + "},"
                + "\"tokens\":{\"input_tokens\":215,\"output_tokens\":" + out + "}}}}");
    }

    @Override
    protected ProviderClient newClient(ProviderSettings settings) {
        return new CohereClient(settings);
    }

    @Override
    protected ApiKey key() {
        return KEY;
    }

    @Override
    protected String model() {
        return "command-a-03-2025";
    }

    @Override
    protected Reply answer(String text, long in, long out) {
        return json(200, "{\"id\":\"5c1b1c1e\",\"finish_reason\":\"COMPLETE\",\"message\":{\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]},\"usage\":{\"billed_units\":"
                + "{\"input_tokens\":" + in + ",\"output_tokens\":" + out + "},\"tokens\":{\"input_tokens\":215,"
                + "\"output_tokens\":" + out + "}}}");
    }

    @Override
    protected String streamStart() {
        return event("message-start", "{\"id\":\"5c1b\",\"type\":\"message-start\",\"delta\":{\"message\":"
                + "{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],\"citations\":[]}}}")
                + event("content-start", "{\"type\":\"content-start\",\"index\":0,\"delta\":{\"message\":"
                + "{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}");
    }

    @Override
    protected String streamToken(String text) {
        return event("content-delta", "{\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":"
                + "{\"text\":\"" + text + "\"}}}}");
    }

    @Override
    protected String streamEnd(long in, long out) {
        return event("content-end", "{\"type\":\"content-end\",\"index\":0}") + end("COMPLETE", in, out)
                + "data: [DONE]\n\n";
    }

    @Override
    protected String streamServerError() {
        return end("ERROR", 9, 1);
    }

    @Override
    protected Reply keyRefused(String echoed) {
        return json(401, message("invalid api token " + echoed));
    }

    @Override
    protected Reply rateLimited(Duration retryAfter) {
        // Cohere documents no retry-after; a gateway in front of it may add one
        return json(429, message("You are past the per minute request limit, please wait and try again later."))
                .header("retry-after", Double.toString(retryAfter.toMillis() / 1000.0));
    }

    @Override
    protected Reply serverError() {
        return json(500, message("internal server error"));
    }

    @Override
    protected Reply overloaded() {
        return json(503, message("service unavailable"));
    }

    @Override
    protected Reply unknownModel(String model) {
        return json(404, message("model '" + model + "' not found, make sure the correct model ID was used"));
    }

    @Override
    protected Reply contextTooLong() {
        return json(400, message("too many tokens: total number of tokens in the prompt cannot exceed 256000 - "
                + "received 300000. Try using a shorter prompt"));
    }

    @Override
    protected Reply keyCheckOk() {
        return json(200, "{\"models\":[{\"name\":\"command-a-03-2025\"}]}");
    }

    @Test
    void theRequestHasTheV2ShapeAndUsageIsTheBilledUnits() throws Throwable {
        server.enqueue(json(200, """
                {"id":"5c1b1c1e","finish_reason":"MAX_TOKENS",
                 "message":{"role":"assistant","content":[{"type":"thinking","thinking":"hm"},{"type":"text","text":"Red"}]},
                 "usage":{"billed_units":{"input_tokens":9,"output_tokens":6},"tokens":{"input_tokens":215,"output_tokens":6}}}"""));
        ProviderRequest withTemperature = new ProviderRequest(ORG, model(), "You are terse.", "hi", 256, 0.2, KEY,
                null, null);

        ProviderResponse r = Futures.await(client().call(withTemperature));

        assertThat(r.text()).isEqualTo("Red");
        assertThat(r.usage()).isEqualTo(new TokenUsage(9L, 6L, null));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v2/chat");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(body.at("/messages/1/content").asText()).isEqualTo("hi");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
    }

    @Test
    void aTrialKeysMonthlyCapAndAPaymentProblemAreQuotaErrorsThatAreNotRetried() throws Exception {
        server.enqueue(json(429, message("You are using a Trial key, which is limited to 1000 API calls / month.")),
                json(402, message("payment required")));
        ProviderClient client = client();

        ProviderException trial = failureOf(client.call(request()));
        ProviderException payment = failureOf(client.call(request()));

        assertThat(trial.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(payment.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aGenerationThatTimesOutInsideTheStreamIsATimeout() throws Exception {
        server.enqueue(sse(streamStart(), streamToken("Red"), end("TIMEOUT", 9, 1)));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(e.providerCode()).contains("TIMEOUT");
        assertThat(l.tokens).containsExactly("Red");
    }

    @Test
    void aStreamEndingWithoutMessageEndIsCut() throws Exception {
        server.enqueue(sse(streamStart(), streamToken("Red")));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("ended before message-end");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void theKeyCheckIsTheFreeV1ModelList() throws Throwable {
        server.enqueue(keyCheckOk());

        Futures.await(client().verify(KEY));

        assertThat(server.lastRequest().pathAndQuery()).isEqualTo("/v1/models?page_size=1");
        assertThat(server.lastRequest().header("authorization")).isEqualTo("Bearer " + KEY.reveal());
    }
}
