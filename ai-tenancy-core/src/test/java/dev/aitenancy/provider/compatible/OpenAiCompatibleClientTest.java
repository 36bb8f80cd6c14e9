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
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.openai.OpenAiWireContract;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import org.junit.jupiter.api.Test;

/** OpenAI-compatible endpoints: the provider contract, and what differs between compatible servers. */
class OpenAiCompatibleClientTest extends OpenAiWireContract {

    static final ApiKey KEY = ApiKey.of("local-gateway-key-PLANTED-0123456789");

    @Override
    protected ProviderClient newClient(ProviderSettings settings) {
        return OpenAiCompatibleClient.builder(ProviderId.of("vllm"), settings).build();
    }

    @Override
    protected ApiKey key() {
        return KEY;
    }

    @Override
    protected String model() {
        return "llama-3.1-8b";
    }

    ProviderRequest request(String model) {
        return new ProviderRequest(ORG, model, null, "hello", 64, 0.5, KEY, "c-1", null);
    }

    @Test
    void aLocalServerGetsOpenAiShapedRequestsUnderItsOwnNameAndHeaders() throws Throwable {
        OpenAiCompatibleClient ollama = OpenAiCompatibleClient.builder(ProviderId.of("ollama"),
                settings().header("X-Gateway-Tenant", "ai-tenancy").build()).build();
        server.enqueue(json(200, "{\"choices\":[{\"message\":{\"content\":\"hi there\"},\"finish_reason\":\"stop\"}]}"));

        ProviderResponse r = Futures.await(ollama.call(request("llama3.1")));

        assertThat(ollama.id()).isEqualTo(ProviderId.of("ollama"));
        assertThat(r.text()).isEqualTo("hi there");
        assertThat(r.usage()).as("no usage reported: unknown").isEqualTo(TokenUsage.UNKNOWN);
        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        assertThat(sent.header("x-gateway-tenant")).isEqualTo("ai-tenancy");
        JsonNode body = Json.MAPPER.readTree(sent.body());
        assertThat(body.get("max_tokens").asInt()).isEqualTo(64);
        assertThat(body.has("max_completion_tokens")).isFalse();
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(body.get("messages")).hasSize(1);
    }

    @Test
    void aServerWhoseApiIsNotUnderV1SetsItsPaths() throws Throwable {
        OpenAiCompatibleClient perplexity = OpenAiCompatibleClient.builder(ProviderId.of("pplx"), settings().build())
                .chatPath("/chat/completions").modelsPath("/models").build();
        server.enqueue(json(200, "{\"choices\":[]}"), json(200, "{\"data\":[]}"));

        Futures.await(perplexity.call(request("sonar")));
        Futures.await(perplexity.verify(KEY));

        assertThat(server.requests()).extracting(LoopbackServer.Recorded::pathAndQuery)
                .containsExactly("/chat/completions", "/models");
    }

    @Test
    void azureUsesDeploymentPathsApiVersionAndTheApiKeyHeader() throws Throwable {
        OpenAiCompatibleClient azure = OpenAiCompatibleClient.azure(ProviderId.of("azure"), settings().build(),
                "2024-10-21");
        server.enqueue(json(200, "{\"choices\":[],\"prompt_filter_results\":[]}"), json(200, "{\"data\":[]}"));

        ProviderResponse r = Futures.await(azure.call(request("my deployment")));
        Futures.await(azure.verify(KEY));

        assertThat(r.text()).isEmpty();
        LoopbackServer.Recorded chat = server.requests().get(0);
        assertThat(chat.pathAndQuery())
                .isEqualTo("/openai/deployments/my+deployment/chat/completions?api-version=2024-10-21");
        assertThat(chat.header("api-key")).isEqualTo(KEY.reveal());
        assertThat(chat.header("authorization")).isNull();
        assertThat(Json.MAPPER.readTree(chat.body()).has("max_completion_tokens")).isTrue();
        assertThat(server.requests().get(1).pathAndQuery()).isEqualTo("/openai/models?api-version=2024-10-21");
    }

    @Test
    void anUnknownAzureDeploymentIsAnUnknownModel() throws Exception {
        OpenAiCompatibleClient azure = OpenAiCompatibleClient.azure(ProviderId.of("azure"), settings().build(),
                "2024-10-21");
        server.enqueue(json(404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for "
                + "this resource does not exist.\"}}"));

        ProviderException e = failureOf(azure.call(request("gpt-x")));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_MODEL_NOT_FOUND);
        assertThat(e.providerCode()).contains("DeploymentNotFound");
    }

    @Test
    void aFlatVllmErrorBodyIsReadToo() throws Exception {
        server.enqueue(json(404, "{\"object\":\"error\",\"message\":\"The model `qwen` does not exist.\","
                + "\"type\":\"NotFoundError\",\"param\":null,\"code\":404}"));

        ProviderException e = failureOf(client().call(request("qwen")));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_MODEL_NOT_FOUND);
        assertThat(e.getMessage()).contains("The model `qwen` does not exist.");
    }

    @Test
    void a404ThatNamesNoModelPointsAtTheBaseUrl() throws Exception {
        server.enqueue(text(404, "404 page not found"));

        ProviderException e = failureOf(client().call(request("qwen")));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_BAD_REQUEST);
        assertThat(e.getMessage()).contains("404 page not found").contains("base URL");
    }

    @Test
    void streamsWithoutDoneNullChoicesOrStreamOptionsAreReadLeniently() throws Exception {
        OpenAiCompatibleClient vllm = OpenAiCompatibleClient.builder(ProviderId.of("vllm"), settings().build())
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
    void aNonJsonErrorBodyIsReportedAsItsTextWithTheEchoedKeyMasked() throws Exception {
        server.enqueue(text(502, "upstream connect error: key " + KEY.reveal() + " refused"));
        ProviderClient gateway = newClient(settings().retryPolicy(dev.aitenancy.provider.RetryPolicy.NONE).build());

        ProviderException e = failureOf(gateway.call(request("m")));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.provider()).isEqualTo("vllm");
        assertThat(e.getMessage()).contains("HTTP 502").contains("upstream connect error").contains("****")
                .doesNotContain(KEY.reveal());
    }
}
