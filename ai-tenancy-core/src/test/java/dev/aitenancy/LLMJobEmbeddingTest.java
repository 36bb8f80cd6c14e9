package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.metrics.MicrometerCallObserver;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.anthropic.AnthropicClient;
import dev.aitenancy.provider.gemini.GeminiClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Embeddings through the whole governed path: allowlist, model kind, limits, budgets, guardrails, records. */
class LLMJobEmbeddingTest {

    static final String ACME_KEY = "sk-proj-ACMEembedPlanted000111222333444";
    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef SMALL = ModelRef.of(ProviderId.OPENAI, "text-embedding-3-small");
    static final ModelRef LARGE = ModelRef.of(ProviderId.OPENAI, "text-embedding-3-large");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef GEMINI_EMBED = ModelRef.of(ProviderId.GEMINI, "gemini-embedding-001");
    static final RetryPolicy ONE_TRY = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofSeconds(1));

    final LoopbackServer server = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final InMemoryGuardrailStore guardrails = new InMemoryGuardrailStore();
    final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(Clock.systemUTC(), BudgetAlertListener.NONE);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    LLMJobEmbeddingTest() {
        catalog.register(ModelSpec.embedding(SMALL, 8_191, new BigDecimal("0.02")))
                .register(ModelSpec.embedding(LARGE, 8_191, new BigDecimal("0.13")))
                .register(ModelRegistry.builtIn().find(GEMINI_EMBED).orElseThrow())
                .register(new ModelSpec(MINI, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"), null));
        catalog.allow(ACME, MINI, 200).allow(ACME, SMALL).allow(ACME, GEMINI_EMBED)
                .setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFeaturePreference(ACME, "search", SMALL, null);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of(ACME_KEY));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        keys.put(ACME, ProviderId.GEMINI, ApiKey.of("AIzaPLANTEDgeminiKey0123456789abcdefg"));
        keys.markVerified(ACME, ProviderId.GEMINI, Instant.now());
        server.otherwise(LLMJobEmbeddingTest::openAiAnswer);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    LLMJob.Builder job() {
        ProviderSettings.Builder s = ProviderSettings.builder(server.uri("")).retryPolicy(ONE_TRY)
                .requestTimeout(Duration.ofSeconds(5));
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).guardrails(guardrails)
                .budgetLedger(ledger).observer(new MicrometerCallObserver(meters))
                .provider(new OpenAiClient(s.build())).provider(new GeminiClient(s.build()))
                .provider(new AnthropicClient(s.build()));
    }

    /** OpenAI's answer: vector [i, i + 0.5] for input i, data in reverse order, 7 prompt tokens per input. */
    static LoopbackServer.Reply openAiAnswer(LoopbackServer.Recorded req) {
        try {
            JsonNode input = Json.MAPPER.readTree(req.body()).get("input");
            ObjectNode answer = Json.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = answer.putArray("data");
            for (int i = input.size() - 1; i >= 0; i--) {
                data.addObject().put("object", "embedding").put("index", i).putArray("embedding").add(i).add(i + 0.5f);
            }
            answer.put("model", "text-embedding-3-small");
            answer.putObject("usage").put("prompt_tokens", 7 * input.size()).put("total_tokens", 7 * input.size());
            return json(200, answer.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    UsageRecord lastRecord() {
        return usage.recent(ACME, 1).get(0);
    }

    JsonNode sent() throws Exception {
        return Json.MAPPER.readTree(server.lastRequest().body());
    }

    @Test
    void aFeaturePreferenceChoosesTheEmbeddingModelAndTheRecordSaysEmbeddingsWithExactCost() throws Exception {
        EmbeddingResult r = job().build().embed(EmbeddingRequest.builder(ACME, "first text", "second text")
                .feature("search").user("mel").correlationId("emb-1").build());

        assertThat(r.vectors()).hasSize(2);
        assertThat(r.vectors().get(0)).containsExactly(0f, 0.5f);
        assertThat(r.vectors().get(1)).containsExactly(1f, 1.5f);
        assertThat(r.dimensions()).isEqualTo(2);
        assertThat(r.provider()).isEqualTo(ProviderId.OPENAI);
        assertThat(r.model()).isEqualTo("text-embedding-3-small");
        assertThat(r.usage()).isEqualTo(TokenUsage.of(14, 0));
        assertThat(r.tokensEstimated()).isFalse();
        assertThat(r.cost()).isEqualTo(Cost.usd(new BigDecimal("0.00000028"))); // 14 x 0.02 / 1M
        assertThat(r.billed()).isEqualTo(r.cost());
        assertThat(r.correlationId()).isEqualTo("emb-1");
        assertThat(sent().get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(server.lastRequest().header("x-correlation-id")).isEqualTo("emb-1");

        UsageRecord rec = lastRecord();
        assertThat(rec.id()).isEqualTo(r.usageRecordId());
        assertThat(rec.operation()).isEqualTo(UsageRecord.EMBEDDINGS);
        assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        assertThat(rec.usage()).isEqualTo(TokenUsage.of(14, 0));
        assertThat(rec.cost().amount()).isEqualByComparingTo("0.00000028");
        assertThat(rec.billed()).isEqualTo(rec.cost());
        assertThat(rec.userId()).isEqualTo("mel");
        assertThat(rec.feature()).isEqualTo("search");
        assertThat(rec.provider()).isEqualTo("openai");
        assertThat(rec.model()).isEqualTo("text-embedding-3-small");
        assertThat(rec.correlationId()).isEqualTo("emb-1");
        assertThat(rec.inputText()).isEqualTo("first text\nsecond text");
        assertThat(rec.outputText()).isEqualTo("2 vectors of 2 dimensions");
        assertThat(meters.get("gen_ai.client.operation.duration").tag("gen_ai.operation.name", "embeddings")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("gen_ai.client.token.usage").tag("gen_ai.operation.name", "embeddings")
                .tag("gen_ai.token.type", "input").summary().totalAmount()).isEqualTo(14.0);
        assertThat(meters.find("gen_ai.client.token.usage").tag("gen_ai.token.type", "output").summary()).isNull();
    }

    @Test
    void aModelOffTheAllowlistIsRefusedBeforeAnyRequestAndRecorded() {
        AccessDeniedException e = catchThrowableOfType(AccessDeniedException.class, () -> job().build()
                .embed(EmbeddingRequest.builder(ACME, "text").model("text-embedding-3-large").build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
        assertThat(server.requests()).isEmpty();
        UsageRecord rec = lastRecord();
        assertThat(rec.operation()).isEqualTo(UsageRecord.EMBEDDINGS);
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.errorCode()).isEqualTo("AI_MODEL_NOT_ALLOWED");
        assertThat(rec.billed().isPriced()).isFalse();
    }

    @Test
    void aDeniedEmbeddingModelIsRefused() {
        catalog.deny(ACME, SMALL);

        AccessDeniedException e = catchThrowableOfType(AccessDeniedException.class, () -> job().build()
                .embed(EmbeddingRequest.builder(ACME, "text").feature("search").build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
        assertThat(e).hasMessageContaining("denylist");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aChatModelIsRefusedForEmbeddingsSayingWhatToDo() {
        LLMJob llm = job().build();

        ConfigurationException byDefault = catchThrowableOfType(ConfigurationException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, "text").build()));
        ConfigurationException named = catchThrowableOfType(ConfigurationException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, "text").model("gpt-4.1-mini").build()));

        for (ConfigurationException e : List.of(byDefault, named)) {
            assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
            assertThat(e).hasMessage("model openai/gpt-4.1-mini is a chat model, not an embedding model; name an "
                    + "embedding model (for example openai/text-embedding-3-small) in the request, or set the "
                    + "feature's preference to one");
            assertThat(e.orgId()).isEqualTo("acme");
        }
        assertThat(server.requests()).isEmpty();
        assertThat(usage.recent(ACME, 10)).hasSize(2).allSatisfy(rec -> {
            assertThat(rec.errorCode()).isEqualTo("AI_CONFIG_INVALID");
            assertThat(rec.operation()).isEqualTo(UsageRecord.EMBEDDINGS);
        });
    }

    @Test
    void theRateLimiterCountsEmbeddingRequests() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(Clock.systemUTC(),
                RateLimitPolicy.builder().userRequestsPerMinute(1).build());
        LLMJob llm = job().rateLimiter(limiter).build();
        EmbeddingRequest request = EmbeddingRequest.builder(ACME, "text").feature("search").user("mel").build();

        llm.embed(request);
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class, () -> llm.embed(request));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_RATE_LIMITED);
        assertThat(e.retryAfter()).isPositive();
        assertThat(server.requests()).hasSize(1);
        assertThat(lastRecord().errorCode()).isEqualTo("AI_RATE_LIMITED");
    }

    @Test
    void theRateLimiterChargesTheExactInputTokensAndRefusesOverTheTokenBudget() {
        // "hello world" is 2 cl100k_base tokens; 3 inputs = 6 tokens against a budget of 10 a minute
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(Clock.systemUTC(),
                RateLimitPolicy.DEFAULT.withTokensPerMinute(10, 1_000));
        LLMJob llm = job().rateLimiter(limiter).build();
        List<String> three = List.of("hello world", "hello world", "hello world");
        assertThat(EmbeddingCalls.inputTokens(new dev.aitenancy.models.ResolvedModel(SMALL, 1, null, null, null),
                three)).isEqualTo(6);

        llm.embed(EmbeddingRequest.builder(ACME, three).feature("search").user("mel").build()); // corrected to 21
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, "hello world").feature("search").user("mel").build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_RATE_LIMITED);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aHardBudgetRefusesTheWorstCaseAndOtherwiseSettlesExactlyToTheRecord() {
        // 3 inputs of "hello world": 6 exact tokens x 0.02 / 1M = 0.00000012 reserved; answered with 21 tokens
        Budget tiny = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("0.0000001"));
        ledger.setBudget(tiny);
        LLMJob llm = job().build();
        List<String> three = List.of("hello world", "hello world", "hello world");

        BudgetExceededException e = catchThrowableOfType(BudgetExceededException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, three).feature("search").build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_BUDGET_EXCEEDED);
        assertThat(server.requests()).isEmpty();
        assertThat(ledger.spent(tiny)).isEqualByComparingTo("0");

        Budget room = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1"));
        ledger.setBudget(room);
        EmbeddingResult r = llm.embed(EmbeddingRequest.builder(ACME, three).feature("search").build());

        assertThat(r.usage()).isEqualTo(TokenUsage.of(21, 0));
        assertThat(r.billed().amount()).isEqualByComparingTo("0.00000042");
        assertThat(ledger.spent(room)).isEqualByComparingTo("0.00000042");
        assertThat(lastRecord().billed().amount()).isEqualByComparingTo(ledger.spent(room));
    }

    @Test
    void inputGuardrailsSeeEveryInputAndMaskOrBlock() throws Exception {
        guardrails.save(Guardrail.forOrg(ACME, "ssn", ContentFilter.input(List.of(), List.of("\\d{3}-\\d{2}-\\d{4}")),
                GuardrailAction.MODIFY));
        LLMJob llm = job().build();

        EmbeddingResult r = llm.embed(EmbeddingRequest.builder(ACME, "plain", "mine is 123-45-6789")
                .feature("search").build());

        assertThat(sent().get("input").toString()).isEqualTo("[\"plain\",\"mine is [removed]\"]");
        assertThat(r.guardrails()).hasSize(1);
        assertThat(lastRecord().guardrails()).isEqualTo("modify:content-filter:ssn");

        guardrails.save(Guardrail.forOrg(ACME, "no salaries", ContentFilter.input(List.of("salary"), List.of()),
                GuardrailAction.BLOCK));
        GuardrailBlockedException blocked = catchThrowableOfType(GuardrailBlockedException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, "fine", "the CEO's salary").feature("search").build()));

        assertThat(blocked.code()).isEqualTo(ErrorCode.AI_GUARDRAIL_BLOCKED);
        assertThat(blocked).hasMessageContaining("user message 2");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void geminiTokensAreEstimatedSettledAtTheEstimateAndTheRecordSaysSo() {
        Budget room = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1"));
        ledger.setBudget(room);
        server.otherwise(req -> json(200, "{\"embeddings\":[{\"values\":[0.25,0.5]},{\"values\":[0.75,1.0]}]}"));
        List<String> two = List.of("a text of twenty-four ch", "short"); // 6 + 2 tokens at 4 characters a token

        EmbeddingResult r = job().build().embed(EmbeddingRequest.builder(ACME, two)
                .model("gemini-embedding-001").inputType("search_document").build());

        assertThat(server.lastRequest().pathAndQuery()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
        assertThat(r.vectors().get(1)).containsExactly(0.75f, 1.0f);
        assertThat(r.tokensEstimated()).isTrue();
        assertThat(r.usage()).isEqualTo(TokenUsage.of(8, 0));
        assertThat(r.cost().amount()).isEqualByComparingTo("0.0000012"); // 8 x 0.15 / 1M
        assertThat(ledger.spent(room)).isEqualByComparingTo("0.0000012");
        UsageRecord rec = lastRecord();
        assertThat(rec.provider()).isEqualTo("gemini");
        assertThat(rec.usage()).isEqualTo(TokenUsage.of(8, 0));
        assertThat(rec.outputText()).isEqualTo("2 vectors of 2 dimensions; input tokens estimated at 4 characters a "
                + "token (the provider reports none)");
    }

    @Test
    void anthropicIsRefusedWithATypedErrorSendingNothingAndChargingNothing() {
        ModelRef claudeEmbed = ModelRef.of(ProviderId.ANTHROPIC, "claude-embed-x"); // unknown to the registry
        catalog.allow(ACME, claudeEmbed);
        keys.put(ACME, ProviderId.ANTHROPIC, ApiKey.of("sk-ant-PLANTEDanthropic0123456789abcdef"));
        keys.markVerified(ACME, ProviderId.ANTHROPIC, Instant.now());

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> job().build()
                .embed(EmbeddingRequest.builder(ACME, "text").provider("anthropic").model("claude-embed-x").build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(e).hasMessageStartingWith("provider anthropic has no embeddings API;");
        assertThat(server.requests()).isEmpty();
        UsageRecord rec = lastRecord();
        assertThat(rec.errorCode()).isEqualTo("AI_CONFIG_INVALID");
        assertThat(rec.billed().isPriced()).isFalse();
    }

    @Test
    void aPlantedKeyNeverAppearsInRecordsResultsOrMessages() throws Exception {
        LLMJob llm = job().build();
        EmbeddingResult ok = llm.embed(EmbeddingRequest.builder(ACME, "my key is " + ACME_KEY).feature("search").build());
        server.otherwise(req -> json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + ACME_KEY
                + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
        ProviderException refused = catchThrowableOfType(ProviderException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, "text").feature("search").build()));
        keys.delete(ACME, ProviderId.OPENAI);
        ConfigurationException missing = catchThrowableOfType(ConfigurationException.class,
                () -> llm.embed(EmbeddingRequest.builder(ACME, "text").feature("search").build()));

        assertThat(refused.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(missing.code()).isEqualTo(ErrorCode.AI_CONFIG_MISSING_API_KEY);
        assertThat(server.requests()).hasSize(2);
        assertThat(server.requests().get(0).header("authorization")).isEqualTo("Bearer " + ACME_KEY);
        List<String> seen = new java.util.ArrayList<>(List.of(ok.toString(), refused.getMessage(), refused.toString(),
                missing.getMessage()));
        usage.recent(ACME, 10).forEach(rec -> seen.add(rec.toString()));
        assertThat(usage.recent(ACME, 10)).hasSize(3);
        assertThat(seen).allSatisfy(s -> assertThat(s).doesNotContain(ACME_KEY).doesNotContain("ACMEembedPlanted"));
        assertThat(usage.recent(ACME, 10).get(1).billed().isPriced()).isFalse(); // a 401 is not billed
    }

    @Test
    void embedAsyncAdmitsOnTheCallingThreadAndAnswersLater() throws Exception {
        List<String> many = IntStream.range(0, 5).mapToObj(i -> "text " + i).toList();

        EmbeddingResult r = job().build().embedAsync(EmbeddingRequest.builder(ACME, many).feature("search").build())
                .get(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(r.vectors()).hasSize(5);
        assertThat(r.vectors().get(4)).containsExactly(4f, 4.5f);
        assertThat(r.usage().inputTokens()).isEqualTo(35);
    }

    @Test
    void aProviderTimeoutChargesTheWorstCaseReserved() throws Exception {
        Budget room = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1"));
        ledger.setBudget(room);
        server.otherwise(req -> LoopbackServer.Reply.silence());

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> LogCapture.quietly(() -> job().build()
                .embed(EmbeddingRequest.builder(ACME, "hello world").feature("search").timeout(Duration.ofMillis(300))
                        .build())));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(ledger.spent(room)).isEqualByComparingTo("0.00000004"); // 2 exact tokens x 0.02 / 1M
        assertThat(lastRecord().billed().amount()).isEqualByComparingTo("0.00000004");
        assertThat(lastRecord().usage().isKnown()).isFalse();
    }

    @Test
    void theReadmeSnippetRuns() {
        LLMJob llm = job().build();
        Object org = "acme";

        // as in README.md, "Embeddings"
        EmbeddingResult r = llm.embed(EmbeddingRequest.builder(org, List.of("How do I reset my password?", "Refund policy"))
            .feature("search")                     // a feature preference may name the embedding model...
            .model("text-embedding-3-small")       // ...or the request does; checked like a chat model
            .inputType("search_document")          // Cohere's input_type, Gemini's taskType; OpenAI ignores it
            .build());
        float[] first = r.vectors().get(0);        // one vector per input, in input order

        assertThat(first).containsExactly(0f, 0.5f);
        assertThat(r.vectors()).hasSize(2);
    }

    @Test
    void aCanceledCallStopsItsBatchAndIsRecordedAsCanceledAtTheWorstCase() throws Exception {
        Budget room = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1"));
        ledger.setBudget(room);
        server.otherwise(req -> LoopbackServer.Reply.silence());

        java.util.concurrent.CompletableFuture<EmbeddingResult> f = job().build()
                .embedAsync(EmbeddingRequest.builder(ACME, "hello world").feature("search").build());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.requests().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(f.cancel(true)).isTrue();

        UsageRecord rec = lastRecord();
        assertThat(rec.status()).isEqualTo(UsageStatus.CANCELED);
        assertThat(rec.errorCode()).isEqualTo("AI_CANCELED");
        assertThat(rec.billed().amount()).isEqualByComparingTo("0.00000004"); // the provider was called: worst case
        assertThat(ledger.spent(room)).isEqualByComparingTo("0.00000004");
        assertThat(server.requests()).hasSize(1);
    }
}
