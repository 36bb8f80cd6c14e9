package dev.aitenancy.provider.compatible;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static dev.aitenancy.testing.LoopbackServer.Reply.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiCompatibleClientTest {

    static final String KEY = "local-gateway-key-PLANTED-0123456789";

    final LoopbackServer server = LoopbackServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    ProviderSettings settings(String path) {
        return ProviderSettings.builder(server.uri(path)).retryPolicy(RetryPolicy.NONE)
                .header("X-Gateway-Tenant", "ai-tenancy").build();
    }

    static ProviderRequest request(String model) {
        return new ProviderRequest("acme", model, null, "hello", 64, 0.5, ApiKey.of(KEY), "c-1", null);
    }

    @Test
    void aLocalServerGetsOpenAiShapedRequestsUnderItsOwnBaseUrlAndName() throws Throwable {
        OpenAiCompatibleClient ollama = OpenAiCompatibleClient.builder(ProviderId.of("ollama"), settings("/v1")).build();
        server.enqueue(json(200, "{\"choices\":[{\"message\":{\"content\":\"hi there\"},\"finish_reason\":\"stop\"}]}"));

        ProviderResponse r = Futures.await(ollama.call(request("llama3.1")));

        assertThat(ollama.id()).isEqualTo(ProviderId.of("ollama"));
        assertThat(r.text()).isEqualTo("hi there");
        assertThat(r.usage()).as("no usage reported: unknown").isEqualTo(TokenUsage.UNKNOWN);
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.header("x-gateway-tenant")).isEqualTo("ai-tenancy");
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.get("max_tokens").asInt()).isEqualTo(64);
        assertThat(body.has("max_completion_tokens")).isFalse();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(body.get("messages")).hasSize(1);
    }

    @Test
    void azureUsesDeploymentPathsApiVersionAndTheApiKeyHeader() throws Throwable {
        OpenAiCompatibleClient azure = OpenAiCompatibleClient.azure(ProviderId.of("azure"), settings(""), "2024-10-21");
        server.enqueue(json(200, "{\"choices\":[],\"prompt_filter_results\":[]}"),
                json(200, "{\"data\":[]}"));

        ProviderResponse r = Futures.await(azure.call(request("my deployment")));
        Futures.await(azure.verify(ApiKey.of(KEY)));

        assertThat(r.text()).isEmpty();
        LoopbackServer.Recorded chat = server.requests().get(0);
        assertThat(chat.pathAndQuery())
                .isEqualTo("/openai/deployments/my+deployment/chat/completions?api-version=2024-10-21");
        assertThat(chat.header("api-key")).isEqualTo(KEY);
        assertThat(chat.header("authorization")).isNull();
        assertThat(Json.MAPPER.readTree(chat.body()).has("max_completion_tokens")).isTrue();
        assertThat(server.requests().get(1).pathAndQuery()).isEqualTo("/openai/models?api-version=2024-10-21");
    }

    @Test
    void streamsWithoutDoneNullChoicesOrStreamOptionsAreReadLeniently() throws Exception {
        OpenAiCompatibleClient vllm = OpenAiCompatibleClient.builder(ProviderId.of("vllm"), settings("/v1"))
                .streamUsage(false).build();
        server.enqueue(sse("data: {\"choices\":null}\n\n",
                "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n",
                "data: {\"choices\":[{\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n"));
        RecordingListener l = new RecordingListener();

        vllm.stream(request("qwen"), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(r.text()).isEqualTo("ab");
        assertThat(r.usage()).isEqualTo(new TokenUsage(3L, 2L, null));
        assertThat(Json.MAPPER.readTree(server.lastRequest().body()).has("stream_options")).isFalse();
    }

    @Test
    void aNonJsonErrorBodyIsReportedAsItsText() throws Exception {
        OpenAiCompatibleClient gw = OpenAiCompatibleClient.builder(ProviderId.of("gateway"), settings("/v1")).build();
        server.enqueue(text(502, "upstream connect error or disconnect/reset before headers"));

        ProviderException e = Futures.failure(gw.call(request("m")), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.provider()).isEqualTo("gateway");
        assertThat(e.getMessage()).contains("HTTP 502").contains("upstream connect error");
    }

    @Test
    void theKeyIsMaskedEvenWhenAGatewayEchoesItInAnError() throws Exception {
        OpenAiCompatibleClient gw = OpenAiCompatibleClient.builder(ProviderId.of("gateway"), settings("/v1")).build();
        server.enqueue(text(401, "key " + KEY + " is not valid"));

        ProviderException e = Futures.failure(gw.call(request("m")), ProviderException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.getMessage()).doesNotContain(KEY).contains("****");
    }
}
