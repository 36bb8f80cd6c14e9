package dev.aitenancy.provider;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.ProviderException;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.anthropic.AnthropicClient;
import dev.aitenancy.provider.cohere.CohereClient;
import dev.aitenancy.provider.compatible.OpenAiCompatibleClient;
import dev.aitenancy.provider.gemini.GeminiClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.provider.openai.OpenAiSpec;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Recorded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Embeddings on the wire of each provider, against a loopback server answering in its format: the
 * request bodies (OpenAI's against its official schemas), batches cut to each provider's limit and
 * sent one after another, vectors in input order, tokens summed.
 */
class EmbeddingWireTest {

    private static final ApiKey KEY = ApiKey.of("sk-proj-PLANTEDembed0123456789abcdefXYZ");
    private static final RetryPolicy ONE_TRY = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofSeconds(1));
    private final LoopbackServer server = LoopbackServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    private ProviderSettings settings() {
        return ProviderSettings.builder(server.uri("")).retryPolicy(ONE_TRY).build();
    }

    /** Inputs "t0", "t1", ...: each answered with the vector [n, n + 0.5], so the order can be checked. */
    private static List<String> inputs(int n) {
        return IntStream.range(0, n).mapToObj(i -> "t" + i).toList();
    }

    private static float number(String input) {
        return Float.parseFloat(input.substring(1));
    }

    private static void assertInInputOrder(List<float[]> vectors, int n) {
        assertThat(vectors).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(vectors.get(i)).containsExactly(i, i + 0.5f);
        }
    }

    private static JsonNode body(Recorded r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    // ---- OpenAI ----------------------------------------------------------------------------------

    /** OpenAI's answer to a request: its data in reverse index order, prompt_tokens = the number of inputs. */
    private static String openAiAnswer(Recorded req) {
        try {
            JsonNode input = body(req).get("input");
            ObjectNode answer = Json.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = answer.putArray("data");
            for (int i = input.size() - 1; i >= 0; i--) {
                float n = number(input.get(i).asText());
                ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
                e.putArray("embedding").add(n).add(n + 0.5f);
            }
            answer.put("model", "text-embedding-3-small");
            answer.putObject("usage").put("prompt_tokens", input.size()).put("total_tokens", input.size());
            return answer.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void openAiRequestAndAnswerMatchTheOfficialSchemasAndVectorsFollowTheIndexNotTheOrder() throws Throwable {
        server.otherwise(req -> json(200, openAiAnswer(req)));
        OpenAiClient client = new OpenAiClient(settings());

        ProviderEmbeddingResponse r = Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "text-embedding-3-small", inputs(3), KEY, "corr-1", null, "search_query", 256)));

        Recorded sent = server.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.pathAndQuery()).isEqualTo("/v1/embeddings");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        assertThat(sent.header("x-correlation-id")).isEqualTo("corr-1");
        assertThat(OpenAiSpec.violations("CreateEmbeddingRequest", body(sent))).isEmpty();
        assertThat(body(sent).toString()).isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":[\"t0\",\"t1\","
                + "\"t2\"],\"encoding_format\":\"float\",\"dimensions\":256}");
        assertThat(OpenAiSpec.violations("CreateEmbeddingResponse", openAiAnswer(sent))).isEmpty();
        assertThat(openAiAnswer(sent)).contains("\"data\":[{\"object\":\"embedding\",\"index\":2");
        assertInInputOrder(r.vectors(), 3);
        assertThat(r.inputTokens()).isEqualTo(3L);
        assertThat(r.tokensEstimated()).isFalse();
        assertThat(r.providerModel()).isEqualTo("text-embedding-3-small");
    }

    @Test
    void theSpecCheckCatchesAnEmbeddingBodyOfTheWrongShape() throws Throwable {
        assertThat(OpenAiSpec.violations("CreateEmbeddingRequest",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\"],\"encoding_format\":\"floats\"}")).isNotEmpty();
        assertThat(OpenAiSpec.violations("CreateEmbeddingResponse",
                "{\"object\":\"list\",\"model\":\"m\",\"data\":[{\"embedding\":[0.1]}]}")).isNotEmpty();
    }

    @Test
    void openAiBatchesAre2048InputsAndTheirTokensAreSummed() throws Throwable {
        server.otherwise(req -> json(200, openAiAnswer(req)));
        OpenAiClient client = new OpenAiClient(settings());

        ProviderEmbeddingResponse r = Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "text-embedding-3-small", inputs(2050), KEY, null, null)));

        assertThat(server.requests()).hasSize(2);
        assertThat(body(server.requests().get(0)).get("input")).hasSize(2048);
        assertThat(body(server.requests().get(1)).get("input").toString()).isEqualTo("[\"t2048\",\"t2049\"]");
        assertInInputOrder(r.vectors(), 2050);
        assertThat(r.inputTokens()).isEqualTo(2050L);
    }

    @Test
    void aBatchFailingAfterAnAnsweredOneFailsWithoutAnHttpStatusSayingTheOthersWereBilled() throws Throwable {
        server.enqueue(json(200, "{\"object\":\"list\",\"data\":" + IntStream.range(0, 2048)
                .mapToObj(i -> "{\"object\":\"embedding\",\"index\":" + i + ",\"embedding\":[1.0]}").toList()
                + ",\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2048,\"total_tokens\":2048}}"));
        server.enqueue(json(400, "{\"error\":{\"message\":\"'$.input' is invalid\",\"type\":\"invalid_request_error\"}}"));
        OpenAiClient client = new OpenAiClient(settings());

        Throwable t = catchThrowable(() -> Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "text-embedding-3-small", inputs(2049), KEY, null, null))));

        assertThat(t).isInstanceOf(ProviderException.class);
        ProviderException e = (ProviderException) t;
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_BAD_REQUEST);
        assertThat(e.httpStatus()).isZero();
        assertThat(e.getMessage()).contains("(batch 2 of 2; the 1 answered before were billed)")
                .doesNotContain(KEY.reveal());
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aBatchAnsweringTooFewVectorsIsAProtocolError() {
        server.enqueue(json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.5]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}"));
        OpenAiClient client = new OpenAiClient(settings());

        Throwable t = catchThrowable(() -> Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "text-embedding-3-small", inputs(2), KEY, null, null))));

        assertThat(t).isInstanceOf(ProviderException.class);
        assertThat(((ProviderException) t).code()).isEqualTo(ErrorCode.AI_PROVIDER_PROTOCOL);
    }

    @Test
    void azureDeploymentsEmbedAtTheirDeploymentPathWithTheApiKeyHeader() throws Throwable {
        server.otherwise(req -> json(200, openAiAnswer(req)));
        OpenAiCompatibleClient client = OpenAiCompatibleClient.azure(ProviderId.of("azure"), settings(), "2024-10-21");

        ProviderEmbeddingResponse r = Futures.await(client.embed(new ProviderEmbeddingRequest("acme", "my-embed",
                inputs(2), KEY, null, null)));

        Recorded sent = server.lastRequest();
        assertThat(sent.pathAndQuery()).isEqualTo("/openai/deployments/my-embed/embeddings?api-version=2024-10-21");
        assertThat(sent.header("api-key")).isEqualTo(KEY.reveal());
        assertThat(sent.header("authorization")).isNull();
        assertInInputOrder(r.vectors(), 2);
    }

    @Test
    void anOpenAiCompatibleServerEmbedsAtV1Embeddings() throws Throwable {
        server.otherwise(req -> json(200, openAiAnswer(req)));
        OpenAiCompatibleClient client = OpenAiCompatibleClient.builder(ProviderId.of("ollama"), settings()).build();

        Futures.await(client.embed(new ProviderEmbeddingRequest("acme", "nomic-embed-text", inputs(1), KEY, null,
                null)));

        assertThat(server.lastRequest().pathAndQuery()).isEqualTo("/v1/embeddings");
    }

    // ---- Gemini ----------------------------------------------------------------------------------

    private static String geminiAnswer(Recorded req) {
        try {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            ArrayNode embeddings = answer.putArray("embeddings");
            for (JsonNode r : body(req).get("requests")) {
                float n = number(r.at("/content/parts/0/text").asText());
                embeddings.addObject().putArray("values").add(n).add(n + 0.5f);
            }
            return answer.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void gemini250InputsAreThreeRequestsOf100And100And50InInputOrderWithTokensEstimated() throws Throwable {
        server.otherwise(req -> json(200, geminiAnswer(req)));
        GeminiClient client = new GeminiClient(settings());
        List<String> in = inputs(250);

        ProviderEmbeddingResponse r = Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "gemini-embedding-001", in, KEY, "corr-g", null, "search_query", 768)));

        List<Recorded> sent = server.requests();
        assertThat(sent).hasSize(3);
        List<Integer> sizes = new ArrayList<>();
        for (Recorded s : sent) {
            assertThat(s.pathAndQuery()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
            assertThat(s.header("x-goog-api-key")).isEqualTo(KEY.reveal());
            assertThat(s.pathAndQuery()).doesNotContain(KEY.reveal());
            assertThat(s.header("x-correlation-id")).isEqualTo("corr-g");
            sizes.add(body(s).get("requests").size());
        }
        assertThat(sizes).containsExactly(100, 100, 50);
        assertThat(body(sent.get(2)).get("requests").get(0).toString()).isEqualTo("{\"model\":"
                + "\"models/gemini-embedding-001\",\"content\":{\"parts\":[{\"text\":\"t200\"}]},\"taskType\":"
                + "\"RETRIEVAL_QUERY\",\"outputDimensionality\":768}");
        assertInInputOrder(r.vectors(), 250);
        long expected = in.stream().mapToLong(s -> (s.length() + 3) / 4).sum();
        assertThat(r.inputTokens()).isEqualTo(expected).isEqualTo(250L);
        assertThat(r.tokensEstimated()).isTrue();
    }

    // ---- Cohere ----------------------------------------------------------------------------------

    private static String cohereAnswer(Recorded req) {
        try {
            JsonNode texts = body(req).get("texts");
            ObjectNode answer = Json.MAPPER.createObjectNode().put("id", "emb-1");
            ArrayNode floats = answer.putObject("embeddings").putArray("float");
            for (JsonNode t : texts) {
                float n = number(t.asText());
                floats.addArray().add(n).add(n + 0.5f);
            }
            answer.set("texts", texts);
            answer.putObject("meta").putObject("billed_units").put("input_tokens", texts.size() * 2);
            answer.put("response_type", "embeddings_by_type");
            return answer.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void cohereBatchesAre96TextsWithAnInputTypeAndBilledUnitsSummed() throws Throwable {
        server.otherwise(req -> json(200, cohereAnswer(req)));
        CohereClient client = new CohereClient(settings());

        ProviderEmbeddingResponse r = Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "embed-english-v3.0", inputs(100), KEY, null, null)));

        List<Recorded> sent = server.requests();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).pathAndQuery()).isEqualTo("/v2/embed");
        assertThat(sent.get(0).header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        assertThat(body(sent.get(0)).get("texts")).hasSize(96);
        assertThat(body(sent.get(1)).toString()).isEqualTo("{\"model\":\"embed-english-v3.0\",\"texts\":[\"t96\","
                + "\"t97\",\"t98\",\"t99\"],\"input_type\":\"search_document\",\"embedding_types\":[\"float\"]}");
        assertInInputOrder(r.vectors(), 100);
        assertThat(r.inputTokens()).isEqualTo(200L);
        assertThat(r.tokensEstimated()).isFalse();
    }

    // ---- Anthropic -------------------------------------------------------------------------------

    @Test
    void anthropicHasNoEmbeddingsApiAndSendsNothing() {
        AnthropicClient client = new AnthropicClient(settings());

        Throwable t = catchThrowable(() -> Futures.await(client.embed(new ProviderEmbeddingRequest("acme",
                "claude-haiku-4-5", inputs(1), KEY, null, null))));

        assertThat(t).isInstanceOf(ConfigurationException.class);
        assertThat(((ConfigurationException) t).code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(t).hasMessageStartingWith("provider anthropic has no embeddings API;");
        assertThat(((ConfigurationException) t).orgId()).isEqualTo("acme");
        assertThat(server.requests()).isEmpty();
    }
}
