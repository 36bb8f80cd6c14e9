package dev.aitenancy.provider.cohere;

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

class CohereClientTest {

    static final String KEY = "co-PLANTEDcohere-0123456789abcdefghijXYZ";
    static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(2));

    final LoopbackServer server = LoopbackServer.start();
    final CohereClient client = new CohereClient(CohereClient.defaultSettings().baseUri(server.uri(""))
            .retryPolicy(FAST).requestTimeout(Duration.ofSeconds(5)).build());

    @AfterEach
    void stop() {
        server.close();
    }

    static ProviderRequest request() {
        return new ProviderRequest("acme", "command-a-03-2025", "You are terse.", "Name three primary colours.", 256,
                0.2, ApiKey.of(KEY), "corr-c", null);
    }

    static final String ANSWER = """
            {"id":"5c1b1c1e","finish_reason":"COMPLETE",
             "message":{"role":"assistant","content":[{"type":"thinking","thinking":"hm"},{"type":"text","text":"Red, yellow, blue."}]},
             "usage":{"billed_units":{"input_tokens":9,"output_tokens":6},"tokens":{"input_tokens":215,"output_tokens":6}}}""";

    static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    static final String START = event("message-start", "{\"id\":\"5c1b\",\"type\":\"message-start\",\"delta\":{\"message\":"
            + "{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],\"citations\":[]}}}");

    static String delta(String text) {
        return event("content-delta", "{\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":"
                + "{\"text\":\"" + text + "\"}}}}");
    }

    static String end(String finish) {
        return event("message-end", "{\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"" + finish + "\","
                + "\"usage\":{\"billed_units\":{\"input_tokens\":9,\"output_tokens\":6},"
                + "\"tokens\":{\"input_tokens\":215,\"output_tokens\":6}}}}");
    }

    @Test
    void plainAnswerUsesBilledUnitsAndTheV2WireShape() throws Throwable {
        server.enqueue(json(200, ANSWER));

        ProviderResponse r = Futures.await(client.call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(9L, 6L, null));
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v2/chat");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(body.at("/messages/1/content").asText()).isEqualTo("Name three primary colours.");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
    }

    @Test
    void streamEndsAtMessageEndWithItsUsageAndIgnoresDone() throws Exception {
        server.enqueue(sse(START, event("content-start", "{\"type\":\"content-start\",\"index\":0,\"delta\":{\"message\":"
                        + "{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}"), delta("Red, yellow"), delta(", blue."),
                event("content-end", "{\"type\":\"content-end\",\"index\":0}"), end("MAX_TOKENS"), "data: [DONE]\n\n"));
        RecordingListener l = new RecordingListener();

        client.stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(l.tokens).containsExactly("Red, yellow", ", blue.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(9L, 6L, null));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(l.terminalEvents).hasValue(1);
    }

    @Test
    void anInvalidKeyIsAuthAndNeverShowsTheKey() throws Exception {
        server.enqueue(json(401, "{\"id\":\"0f6c\",\"message\":\"invalid api token " + KEY + "\"}"));
        List<ProviderException> seen = new ArrayList<>();

        String logs = LogCapture.stderrOf(() -> seen.add(Futures.failure(client.call(request()), ProviderException.class)));

        ProviderException e = seen.get(0);
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.getMessage()).contains("invalid api token");
        assertThat(server.requests()).hasSize(1);
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString() + e + logs).doesNotContain(KEY).doesNotContain("PLANTEDcohere");
    }

    @Test
    void aPerMinuteLimitIsRetriedButATrialMonthlyCapAndPaymentAreNot() throws Throwable {
        server.enqueue(json(429, "{\"message\":\"You are past the per minute request limit, please wait and try again later.\"}")
                        .header("retry-after", "0.01"), json(200, ANSWER),
                json(429, "{\"message\":\"You are using a Trial key, which is limited to 1000 API calls / month.\"}"),
                json(402, "{\"message\":\"payment required\"}"));

        ProviderResponse ok = Futures.await(client.call(request()));
        ProviderException trial = Futures.failure(client.call(request()), ProviderException.class);
        ProviderException payment = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(ok.text()).isEqualTo("Red, yellow, blue.");
        assertThat(trial.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(payment.code()).isEqualTo(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);
        assertThat(server.requests()).hasSize(4);
    }

    @Test
    void serverErrorsAreRetriedAndTooManyTokensIsAContextError() throws Exception {
        server.enqueue(json(500, "{\"message\":\"internal server error\"}"), json(503, "{\"message\":\"unavailable\"}"),
                json(500, "{\"message\":\"internal server error\"}"),
                json(400, "{\"message\":\"too many tokens: total number of tokens in the prompt cannot exceed 256000 - received 300000.\"}"));

        ProviderException failing = Futures.failure(client.call(request()), ProviderException.class);
        ProviderException tooLong = Futures.failure(client.call(request()), ProviderException.class);

        assertThat(failing.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(tooLong.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(server.requests()).hasSize(4);
    }

    @Test
    void aFailedGenerationOrACutStreamIsAnError() throws Exception {
        server.enqueue(sse(START, delta("Red"), end("ERROR")), sse(START, delta("Red")));
        RecordingListener failed = new RecordingListener();
        RecordingListener cut = new RecordingListener();

        client.stream(request(), failed);
        ProviderException error = failed.awaitError();
        client.stream(request(), cut);
        ProviderException truncated = cut.awaitError();

        assertThat(error.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(error.providerCode()).contains("ERROR");
        assertThat(failed.tokens).containsExactly("Red");
        assertThat(truncated.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(truncated.getMessage()).contains("message-end");
    }

    @Test
    void aDroppedConnectionAStalledServerAndCancelAreHandled() throws Exception {
        CohereClient impatient = new CohereClient(CohereClient.defaultSettings().baseUri(server.uri(""))
                .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofMillis(800)).build());
        server.enqueue(sse(START, delta("Red")).thenDrop(), sse(START).thenStall(), sse().thenStall(),
                sse(START, delta("Red")).thenStall());

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
        assertThat(plain.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(s.cancel()).isTrue();
        assertThat(canceled.terminalEvents).hasValue(0);
    }

    @Test
    void verifyUsesTheFreeModelList() throws Throwable {
        server.enqueue(json(200, "{\"models\":[{\"name\":\"command-a-03-2025\"}]}"),
                json(401, "{\"message\":\"invalid api token\"}"));

        Futures.await(client.verify(ApiKey.of(KEY)));
        ProviderException bad = Futures.failure(client.verify(ApiKey.of(KEY)), ProviderException.class);

        assertThat(server.requests().get(0).method()).isEqualTo("GET");
        assertThat(server.requests().get(0).pathAndQuery()).isEqualTo("/v1/models?page_size=1");
        assertThat(server.requests().get(0).header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(bad.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
    }
}
