package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryFeatureFlags;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryTemplateStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.Tier;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.compatible.OpenAiCompatibleClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Clock;
import dev.aitenancy.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class LLMJobTest {

    static final String ACME_KEY = "sk-proj-ACMEplanted000111222333444555";
    static final String GLOBEX_KEY = "sk-proj-GLOBEXplanted99988877766655";
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    static final OrgId INITECH = OrgId.of("initech");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(1));

    final LoopbackServer server = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
            .retryPolicy(FAST).requestTimeout(Duration.ofSeconds(5)).build());

    LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai).build();

    LLMJobTest() {
        catalog.register(new ModelSpec(MINI, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"),
                new BigDecimal("0.10")));
        catalog.allow(ACME, MINI, 2048).allow(ACME, NANO).setDefault(ACME, MINI).setDefaultProvider(ACME,
                ProviderId.OPENAI);
        catalog.allow(GLOBEX, NANO).setDefault(GLOBEX, NANO).setDefaultProvider(GLOBEX, ProviderId.OPENAI);
        catalog.allow(INITECH, MINI).setDefault(INITECH, MINI).setDefaultProvider(INITECH, ProviderId.OPENAI);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of(ACME_KEY));
        keys.put(GLOBEX, ProviderId.OPENAI, ApiKey.of(GLOBEX_KEY));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        keys.markVerified(GLOBEX, ProviderId.OPENAI, Instant.now());
        server.otherwise(req -> json(200, answer("Paris.", 1_000_000, 500_000, 0)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String answer(String text, long in, long out, long cached) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini-2025-04-14\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out
                + ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}}}";
    }

    static String chunk(String content) {
        return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]}\n\n";
    }

    JsonNode sentBody() throws Exception {
        return Json.MAPPER.readTree(server.lastRequest().body());
    }

    @Test
    void runRendersTheTemplateUsesTheOrgsKeyAndRecordsTheCall() throws Exception {
        JobResult r = job.run("Capital of {{country.name}}?", "acme", Map.of("country", Map.of("name", "France")));

        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(r.provider()).isEqualTo(ProviderId.OPENAI);
        assertThat(r.model()).isEqualTo("gpt-4.1-mini");
        assertThat(r.usage()).isEqualTo(new TokenUsage(1_000_000L, 500_000L, 0L));
        assertThat(r.cost()).isEqualTo(Cost.usd(new BigDecimal("1.2")));
        assertThat(r.billed()).as("no tiers: billed at list price").isEqualTo(r.cost());
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.correlationId()).isNotBlank();

        LoopbackServer.Recorded sent = server.lastRequest();
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + ACME_KEY);
        assertThat(sent.header("x-correlation-id")).isEqualTo(r.correlationId());
        assertThat(sentBody().at("/messages/0/content").asText()).isEqualTo("Capital of France?");
        assertThat(sentBody().get("max_completion_tokens").asInt()).as("org cap 2048 applies").isEqualTo(2048);

        List<UsageRecord> records = usage.recent(ACME, 10);
        assertThat(records).hasSize(1);
        UsageRecord rec = records.get(0);
        assertThat(rec.id()).isEqualTo(r.usageRecordId());
        assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        assertThat(rec.provider()).isEqualTo("openai");
        assertThat(rec.model()).isEqualTo("gpt-4.1-mini");
        assertThat(rec.usage()).isEqualTo(r.usage());
        assertThat(rec.cost()).isEqualTo(r.cost());
        assertThat(rec.correlationId()).isEqualTo(r.correlationId());
        assertThat(rec.inputText()).isEqualTo("Capital of France?");
        assertThat(rec.outputText()).isEqualTo("Paris.");
        assertThat(rec.finishedAt()).isNotNull();
        assertThat(usage.recent(GLOBEX, 10)).as("nothing recorded for another org").isEmpty();
    }

    @Test
    void anOrgThatSwitchedStoredTextOffGetsRecordsWithoutTextOthersKeepIt() {
        dev.aitenancy.memory.InMemoryUsageTextSettings settings = new dev.aitenancy.memory.InMemoryUsageTextSettings()
                .setStoresText(ACME, false);
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .usageTextPolicy(settings).build();

        JobResult acme = job.run("Capital of France?", "acme", Map.of());
        job.run("Capital of France?", "globex", Map.of());

        assertThat(acme.text()).as("the caller still gets the answer").isEqualTo("Paris.");
        UsageRecord acmes = usage.recent(ACME, 1).get(0);
        assertThat(acmes.inputText()).isNull();
        assertThat(acmes.outputText()).isNull();
        assertThat(acmes.usage()).isEqualTo(acme.usage());
        UsageRecord globexs = usage.recent(GLOBEX, 1).get(0);
        assertThat(globexs.inputText()).isEqualTo("Capital of France?");
        assertThat(globexs.outputText()).isEqualTo("Paris.");
    }

    @Test
    void aTextPolicyThatCannotBeReadStoresNoTextAndTheCallGoesOn() throws Exception {
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .usageTextPolicy(org -> {
                    throw new IllegalStateException("settings database down");
                }).build();

        JobResult[] answered = new JobResult[1];
        String log = dev.aitenancy.testing.LogCapture.quietly(
                () -> answered[0] = job.run("Capital of France?", "acme", Map.of()));
        JobResult r = answered[0];
        assertThat(log).contains("could not read whether org acme stores usage text; storing none");

        assertThat(r.text()).isEqualTo("Paris.");
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        assertThat(rec.inputText()).as("the safe side: no text").isNull();
        assertThat(rec.outputText()).isNull();
    }

    @Test
    void anOrgOnATierWithRatesIsBilledAtThoseRatesAndTheRecordNamesTheTier() {
        TierPlan plan = TierPlan.of(List.of(new Tier("standard", java.util.Set.of(MINI), new BigDecimal("0.50"),
                new BigDecimal("2.00"))));
        InMemoryModelCatalog tiered = new InMemoryModelCatalog(ModelRegistry.empty().with(new ModelSpec(MINI,
                1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"), new BigDecimal("0.10"))), plan);
        tiered.allow(ACME, MINI).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setOrgTiers(ACME, java.util.Set.of("standard"));
        job = LLMJob.builder().keyStore(keys).modelCatalog(tiered).usageSink(usage).provider(openai).build();

        JobResult r = job.run("hi", "acme", Map.of());

        assertThat(r.cost()).isEqualTo(Cost.usd(new BigDecimal("1.2")));
        assertThat(r.billed()).isEqualTo(Cost.usd(new BigDecimal("1.5")));
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.tier()).isEqualTo("standard");
        assertThat(rec.billed()).isEqualTo(r.billed());
        assertThat(rec.cost()).isEqualTo(r.cost());
    }

    @Test
    void eachOrgUsesItsOwnKeyAndDefaultModel() throws Exception {
        job.run("hi", "acme", Map.of());
        String acmeAuth = server.lastRequest().header("authorization");
        String acmeModel = sentBody().get("model").asText();
        job.run("hi", "globex", Map.of());

        assertThat(acmeAuth).isEqualTo("Bearer " + ACME_KEY);
        assertThat(acmeModel).isEqualTo("gpt-4.1-mini");
        assertThat(server.lastRequest().header("authorization")).isEqualTo("Bearer " + GLOBEX_KEY);
        assertThat(sentBody().get("model").asText()).isEqualTo("gpt-4.1-nano");
    }

    @Test
    void anOrgWithoutAKeyFailsClearlyWithoutCallingAnyProviderAndNeverBorrowsAKey() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> job.run("hi", "initech", Map.of()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_MISSING_API_KEY);
        assertThat(e.orgId()).isEqualTo("initech");
        assertThat(e.getMessage()).contains("openai").contains("initech").contains("add one under providers");
        assertThat(server.requests()).isEmpty();
        UsageRecord rec = usage.recent(INITECH, 10).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.errorCode()).isEqualTo("AI_CONFIG_MISSING_API_KEY");
    }

    @Test
    void aModelOfAProviderWithoutAClientFailsClearlyAndIsRecorded() {
        ModelRef haiku = ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5");
        catalog.allow(ACME, haiku);
        keys.put(ACME, ProviderId.ANTHROPIC, ApiKey.of("sk-ant-api03-acme000000000000000"));

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> job.run(JobRequest.builder("acme", "hi").model("claude-haiku-4-5").build()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_NO_PROVIDER);
        assertThat(e.getMessage()).contains("anthropic");
        assertThat(usage.recent(ACME, 1).get(0).errorCode()).isEqualTo("AI_CONFIG_NO_PROVIDER");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void verifyKeyUsesTheProvidersCheapestCheck() throws Exception {
        server.enqueue(json(200, "{\"object\":\"list\",\"data\":[]}"),
                json(401, "{\"error\":{\"message\":\"bad key\",\"code\":\"invalid_api_key\"}}"));

        job.verifyKey(ProviderId.OPENAI, ApiKey.of(ACME_KEY)).get(10, TimeUnit.SECONDS);
        Throwable bad = catchThrowableOfType(ExecutionException.class,
                () -> job.verifyKey(ProviderId.OPENAI, ApiKey.of(ACME_KEY)).get(10, TimeUnit.SECONDS)).getCause();

        assertThat(server.requests()).extracting(LoopbackServer.Recorded::pathAndQuery)
                .containsExactly("/v1/models", "/v1/models");
        assertThat(((ProviderException) bad).code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(job.verifyKey(ProviderId.GEMINI, ApiKey.of(ACME_KEY))).isCompletedExceptionally();
    }

    @Test
    void aNeverVerifiedKeyIsCheckedOnceBeforeUseEvenUnderConcurrentCalls() throws Exception {
        OrgId hooli = OrgId.of("hooli");
        catalog.allow(hooli, MINI).setDefault(hooli, MINI).setDefaultProvider(hooli, ProviderId.OPENAI);
        keys.put(hooli, ProviderId.OPENAI, ApiKey.of("sk-proj-hooli-unverified-000000000"));
        server.otherwise(req -> req.pathAndQuery().endsWith("/models")
                ? json(200, "{\"object\":\"list\",\"data\":[]}") : json(200, answer("ok", 1, 1, 0)));

        List<CompletableFuture<JobResult>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(job.runAsync(JobRequest.builder("hooli", "hi").build()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(server.requests()).filteredOn(r -> r.pathAndQuery().equals("/v1/models")).hasSize(1);
        assertThat(server.requests()).filteredOn(r -> r.pathAndQuery().equals("/v1/chat/completions")).hasSize(20);
        assertThat(keys.status(hooli).get(0).verified()).isTrue();
    }

    @Test
    void aKeyVerifiedMoreThanSevenDaysAgoIsCheckedAgainAndARefusedOneIsAConfigError() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai).clock(clock)
                .build();
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.parse("2026-11-17T10:00:01Z"));

        job.run("hi", "acme", Map.of());                         // 6 days 23:59:59 old: trusted
        clock.advance(Duration.ofSeconds(2));                    // now older than 7 days
        server.enqueue(json(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}"));
        ConfigurationException refused = catchThrowableOfType(ConfigurationException.class,
                () -> job.run("hi", "acme", Map.of()));

        assertThat(server.requests()).extracting(LoopbackServer.Recorded::pathAndQuery)
                .containsExactly("/v1/chat/completions", "/v1/models");
        assertThat(refused.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(refused.orgId()).isEqualTo("acme");
        assertThat(refused.getMessage()).contains("replace it under providers").doesNotContain(ACME_KEY);
        assertThat(usage.recent(ACME, 1).get(0).errorCode()).isEqualTo("AI_CONFIG_INVALID");
    }

    @Test
    void aDisabledFeatureFailsFastWithItsOwnCode() throws Exception {
        InMemoryFeatureFlags flags = new InMemoryFeatureFlags().set(ACME, "generic-text", false);
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .featureFlags(flags).build();

        ConfigurationException off = catchThrowableOfType(ConfigurationException.class,
                () -> job.run(JobRequest.builder("acme", "hi").feature("generic-text").build()));
        job.run(JobRequest.builder("globex", "hi").feature("generic-text").build());
        job.run(JobRequest.builder("acme", "hi").feature("support-reply").build());

        assertThat(off.code()).isEqualTo(ErrorCode.AI_FEATURE_DISABLED);
        assertThat(off.getMessage()).contains("generic-text").contains("acme");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aStoredTemplateRunsInItsLatestOrPinnedVersion() throws Exception {
        InMemoryTemplateStore templates = new InMemoryTemplateStore();
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .templateStore(templates).build();
        templates.save(ACME, "greet", "Hello {{name}}", "admin");
        templates.save(ACME, "greet", "Hi there, {{name}}!", "admin");

        job.run(JobRequest.storedTemplate("acme", "greet").context(Map.of("name", "Ada")).build());
        String latest = sentBody().at("/messages/0/content").asText();
        job.run(JobRequest.storedTemplate("acme", "greet").templateVersion(1).context(Map.of("name", "Ada")).build());
        String pinned = sentBody().at("/messages/0/content").asText();
        TemplateException missing = catchThrowableOfType(TemplateException.class,
                () -> job.run(JobRequest.storedTemplate("globex", "greet").build()));

        assertThat(latest).isEqualTo("Hi there, Ada!");
        assertThat(pinned).isEqualTo("Hello Ada");
        assertThat(missing.code()).isEqualTo(ErrorCode.AI_TEMPLATE_NOT_FOUND);
        assertThat(missing.getMessage()).contains("globex").contains("greet");
    }

    @Test
    void builtInProvidersRegistersTheFourPublicProviders() {
        LLMJob built = LLMJob.builder().keyStore(keys).modelCatalog(catalog)
                .builtInProviders(b -> b.requestTimeout(Duration.ofSeconds(7)).retryPolicy(RetryPolicy.NONE))
                .provider(openai)
                .build();

        assertThat(built.providerIds()).containsExactly(ProviderId.OPENAI, ProviderId.ANTHROPIC, ProviderId.GEMINI,
                ProviderId.COHERE);
        assertThat(job.providerIds()).containsExactly(ProviderId.OPENAI);
    }

    @Test
    void aMissingTemplateVariableFailsBeforeAnyIo() {
        TemplateException e = catchThrowableOfType(TemplateException.class,
                () -> job.run("Summarize {{topic}} for {{audience}}", "acme", Map.of("topic", "Q3")));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_TEMPLATE_MISSING_VARIABLE);
        assertThat(e.getMessage()).contains("audience");
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void valuesAreInsertedAsTextAndNeverReEvaluated() throws Exception {
        job.run("Echo {{a}}", "acme", Map.of("a", "{{b}}", "b", "SECRET-B"));

        assertThat(sentBody().at("/messages/0/content").asText()).isEqualTo("Echo {{b}}");
    }

    @Test
    void thereIsNoImplicitDefaultModel() {
        catalog.allow(OrgId.of("hooli"), MINI);
        keys.put(OrgId.of("hooli"), ProviderId.OPENAI, ApiKey.of("sk-proj-hooli0000000000000000"));

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> job.run("hi", "hooli", Map.of()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aModelOffTheAllowlistIsRefusedAndAnAllowedOneIsUsedWithItsCap() throws Exception {
        AccessDeniedException e = catchThrowableOfType(AccessDeniedException.class,
                () -> job.run(JobRequest.builder("globex", "hi").model("gpt-4.1-mini").build()));
        job.run(JobRequest.builder("acme", "hi").model("gpt-4.1-nano").maxOutputTokens(50_000).temperature(0.2)
                .systemPrompt("Be brief.").build());

        assertThat(e.code()).isEqualTo(ErrorCode.AI_MODEL_NOT_ALLOWED);
        JsonNode body = sentBody();
        assertThat(body.get("model").asText()).isEqualTo("gpt-4.1-nano");
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(50_000);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void orgsCanBeNamedByUuidOrgRefOrJpaEntity() throws Exception {
        UUID id = UUID.fromString("5f0c3c2e-8a57-4d43-9a53-1f2b0f6c8e11");
        OrgId uuidOrg = OrgId.of(id.toString());
        catalog.allow(uuidOrg, MINI).setDefault(uuidOrg, MINI).setDefaultProvider(uuidOrg, ProviderId.OPENAI);
        keys.put(uuidOrg, ProviderId.OPENAI, ApiKey.of("sk-proj-uuidorg00000000000000"));

        job.run("a", id, Map.of());
        job.run("b", (dev.aitenancy.tenant.OrgRef) () -> "acme", Map.of());
        job.run("c", new Tenant(id), Map.of());
        InvalidRequestException bad = catchThrowableOfType(InvalidRequestException.class,
                () -> job.run("d", 42, Map.of()));

        assertThat(usage.recent(uuidOrg, 10)).hasSize(2);
        assertThat(usage.recent(ACME, 10)).hasSize(1);
        assertThat(bad.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(bad.getMessage()).contains("jakarta.persistence.Id");
    }

    @jakarta.persistence.Entity
    static class Tenant {
        @jakarta.persistence.Id
        private final UUID id;

        Tenant(UUID id) {
            this.id = id;
        }
    }

    @Test
    void rateLimitsRefuseWithRetryAfterAndTheRefusalIsRecorded() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:15Z"));
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(clock, new RateLimitPolicy(2, 60, 0));
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .rateLimiter(limiter).clock(clock).build();
        JobRequest req = JobRequest.builder("acme", "hi").caller(Caller.user("alice").withIp("10.0.0.7")).build();

        job.run(req);
        job.run(req);
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class, () -> job.run(req));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_RATE_LIMITED);
        assertThat(e.retryable()).isTrue();
        assertThat(e.limit()).contains("user alice");
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(45));
        assertThat(server.requests()).hasSize(2);
        assertThat(usage.recent(ACME, 10)).extracting(UsageRecord::errorCode).containsOnlyOnce("AI_RATE_LIMITED");

        clock.advance(Duration.ofSeconds(45));
        assertThat(job.run(req).text()).isEqualTo("Paris.");
    }

    @Test
    void aTokenLimitIsChargedTheEstimateAndCorrectedToTheReportedUsage() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:15Z"));
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(clock,
                new RateLimitPolicy(0, 0, 0).withTokensPerMinute(3_000, 0));
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .rateLimiter(limiter).clock(clock).build();
        server.otherwise(req -> json(200, answer("short", 10, 5, 0)));
        JobRequest req = JobRequest.builder("acme", "hi").user("alice").build(); // estimate 1 + 2048 tokens

        job.run(req);
        job.run(req); // admitted only because the first call was corrected from 2049 to 15 tokens
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class, () -> {
            server.otherwise(r -> json(200, answer("long", 1_000, 2_000, 0)));
            job.run(req);
            job.run(req);
        });

        assertThat(e.limit()).isEqualTo("user alice: 3000 tokens/minute");
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void aHardBudgetStopsCallsOnceSpentAndARefusedCallReleasesItsReservation() {
        InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(java.time.Clock.systemUTC(),
                dev.aitenancy.limits.BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("0.01")));
        ledger.setBudget(Budget.hard(INITECH, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("0.06")));
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .budgetLedger(ledger).build();

        job.run("hi", "acme", Map.of()); // worst case 0.0033 USD fits; it then costs 1.2 USD
        BudgetExceededException spent = catchThrowableOfType(BudgetExceededException.class,
                () -> job.run("hi", "acme", Map.of()));
        for (int i = 0; i < 3; i++) { // worst case 0.052 each: only released reservations let all three in
            assertThat(catchThrowableOfType(ConfigurationException.class, () -> job.run("hi", "initech", Map.of()))
                    .code()).isEqualTo(ErrorCode.AI_CONFIG_MISSING_API_KEY);
        }

        assertThat(spent.code()).isEqualTo(ErrorCode.AI_BUDGET_EXCEEDED);
        assertThat(spent.getMessage()).contains("org monthly budget of 0.01 USD");
        assertThat(server.requests()).hasSize(1);
        assertThat(ledger.spent(ledger.budgets(ACME).get(0))).isEqualByComparingTo("1.2");
        assertThat(ledger.spent(ledger.budgets(INITECH).get(0))).isEqualByComparingTo("0");
    }

    @Test
    void anUnpricedModelIsRefusedUnderAHardBudgetUntilAnAdminAllowsItAndSoftBudgetsOnlyWarn() throws Exception {
        InMemoryBudgetLedger ledger = jobWithHardBudget(GLOBEX, "100");
        Budget hard = ledger.budgets(GLOBEX).get(0);

        AtomicReference<BudgetExceededException> refused = new AtomicReference<>();
        String log = LogCapture.stderrOf(() -> refused.set(catchThrowableOfType(BudgetExceededException.class,
                () -> job.run("hi", "globex", Map.of())))); // gpt-4.1-nano has no price in this catalog
        UsageRecord refusal = usage.recent(GLOBEX, 1).get(0);
        int providerCallsWhileRefused = server.requests().size();
        ledger.setBudget(hard.withAllowUnpriced(true));
        JobResult allowed = job.run("hi", "globex", Map.of());
        ledger.setBudget(new Budget(GLOBEX, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100"),
                false, null, java.time.ZoneId.of("UTC")));
        JobResult warned = job.run("hi", "globex", Map.of());

        BudgetExceededException e = refused.get();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_BUDGET_UNPRICED_MODEL);
        assertThat(e.orgId()).isEqualTo("globex");
        assertThat(e.getMessage()).startsWith("model openai/gpt-4.1-nano has no price, and the hard org monthly budget "
                + "of 100 USD of org globex admits only calls it can count: give the model a price")
                .contains("allow unpriced models under this budget").doesNotContain(GLOBEX_KEY);
        assertThat(log).doesNotContain(GLOBEX_KEY);
        assertThat(providerCallsWhileRefused).as("the provider is never called").isZero();
        assertThat(refusal.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(refusal.errorCode()).isEqualTo("AI_BUDGET_UNPRICED_MODEL");
        assertThat(allowed.cost().isPriced()).isFalse();
        assertThat(allowed.guardrails()).as("an admin's explicit choice: no warning").isEmpty();
        assertThat(ledger.spent(hard)).as("an unpriced call is never charged a made-up amount").isEqualByComparingTo("0");
        assertThat(warned.text()).isEqualTo("Paris.");
        assertThat(warned.guardrails()).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo("budget");
            assertThat(o.action()).isEqualTo(dev.aitenancy.guardrails.GuardrailAction.WARN);
            assertThat(o.detail()).contains("model openai/gpt-4.1-nano has no price")
                    .contains("not counted against the soft org monthly budget of 100 USD");
        });
        assertThat(usage.recent(GLOBEX, 1).get(0).guardrails()).isEqualTo("warn:budget:org monthly budget of 100 USD");
        assertThat(server.requests()).hasSize(2);
    }

    /** Rebuilds {@link #job} with a ledger holding a hard monthly budget of {@code usd} for {@code org}. */
    private InMemoryBudgetLedger jobWithHardBudget(OrgId org, String usd) {
        InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(java.time.Clock.systemUTC(),
                dev.aitenancy.limits.BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(org, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal(usd)));
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .budgetLedger(ledger).build();
        return ledger;
    }

    @Test
    void aBuiltInProviderCanBePointedElsewhereByIdAndATemplateWithoutVariablesRunsInShort() {
        LLMJob viaProxy = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage)
                .builtInProviders() // OpenAI at api.openai.com ...
                .provider(ProviderId.OPENAI, s -> s.baseUri(server.uri("/v1")).retryPolicy(FAST)) // ... replaced
                .build();

        JobResult r = viaProxy.run("What is the capital of France?", "acme");

        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(server.requests()).singleElement().satisfies(req -> assertThat(req.pathAndQuery())
                .isEqualTo("/v1/chat/completions"));
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> LLMJob.builder()
                .provider(ProviderId.of("mistral"), s -> s)).getMessage())
                .contains("mistral is not a built-in provider").contains("OpenAiCompatibleClient");
    }

    @Test
    void aPromptThatCannotFitTheModelsContextWindowIsRefusedBeforeTheProviderIsCalled() {
        ModelRef small = ModelRef.of(ProviderId.OPENAI, "gpt-4o-mini");
        catalog.register(new ModelSpec(small, 120, 16_384, new BigDecimal("0.15"), new BigDecimal("0.60"), null));
        catalog.allow(ACME, small, 100);
        InMemoryBudgetLedger ledger = jobWithHardBudget(ACME, "10");
        Budget hard = ledger.budgets(ACME).get(0);
        String tooLong = "1 2 3 4 5 6 7 8 9 0"; // 19 tokens + 7 of framing + 100 of output cap = 126 > 120 ...
        String shorter = "1 2 3 4 5 6 7 8"; // ... 15 + 7 + 100 = 122 > 120; "1 2 3 4 5 6" 11 + 7 + 100 = 118 fits

        ProviderException refused = catchThrowableOfType(ProviderException.class, () -> job.run(
                JobRequest.builder(ACME, tooLong).model("gpt-4o-mini").build()));
        catchThrowableOfType(ProviderException.class, () -> job.run(
                JobRequest.builder(ACME, shorter).model("gpt-4o-mini").build()));
        JobResult ok = job.run(JobRequest.builder(ACME, "1 2 3 4 5 6").model("gpt-4o-mini").build());

        assertThat(refused.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(refused.retryable()).isFalse();
        assertThat(refused.getMessage()).contains("the prompt is 26 tokens and the answer may take 100")
                .contains("120 tokens of openai/gpt-4o-mini's context window").contains("nothing was charged");
        assertThat(ok.text()).isEqualTo("Paris.");
        assertThat(server.requests()).as("only the call that fits reached the provider").hasSize(1);
        assertThat(usage.recent(ACME, 3)).extracting(UsageRecord::errorCode)
                .containsExactly(null, "AI_CONTEXT_TOO_LONG", "AI_CONTEXT_TOO_LONG");
        assertThat(ledger.spent(hard)).as("only the call that fits is charged")
                .isEqualByComparingTo(ok.billed().amount());
    }

    @Test
    void aModelWithoutAListPriceButWithTierRatesIsReservedAndChargedAtThoseRates() {
        TierPlan plan = TierPlan.of(List.of(new Tier("standard", java.util.Set.of(NANO), new BigDecimal("0.50"),
                new BigDecimal("2.00"))));
        InMemoryModelCatalog tiered = new InMemoryModelCatalog(ModelRegistry.empty(), plan);
        tiered.allow(ACME, NANO).setDefault(ACME, NANO).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setOrgTiers(ACME, java.util.Set.of("standard"));
        InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(java.time.Clock.systemUTC(),
                dev.aitenancy.limits.BudgetAlertListener.NONE);
        Budget hard = Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("10"));
        ledger.setBudget(hard);
        job = LLMJob.builder().keyStore(keys).modelCatalog(tiered).usageSink(usage).provider(openai)
                .budgetLedger(ledger).build();

        JobResult r = job.run("hi", "acme", Map.of());

        assertThat(r.cost().isPriced()).as("no list price").isFalse();
        assertThat(r.billed()).isEqualTo(Cost.usd(new BigDecimal("1.5")));
        assertThat(ledger.spent(hard)).isEqualByComparingTo("1.5");
        assertThat(Estimates.worstCase(new dev.aitenancy.models.ResolvedModel(NANO, 1_000_000, null,
                plan.tier("standard").orElseThrow(), null), new Estimates.Input(0, false))).as("1M output tokens at 2 USD per 1M")
                .isEqualByComparingTo("2");
        assertThat(Estimates.worstCase(new dev.aitenancy.models.ResolvedModel(NANO, 1_000_000, null, null, null),
                new Estimates.Input(0, false)))
                .as("no price at all: unpriced, not zero").isNull();
    }

    @Test
    void aProviderErrorIsRecordedWithItsCodeAndAttributedToTheOrg() {
        server.otherwise(req -> json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + ACME_KEY
                + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));

        ProviderException e = catchThrowableOfType(ProviderException.class, () -> job.run("hi", "acme", Map.of()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.orgId()).isEqualTo("acme");
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.errorCode()).isEqualTo("AI_PROVIDER_AUTH");
        assertThat(rec.usage()).isEqualTo(TokenUsage.UNKNOWN);
        assertThat(rec.cost().isPriced()).isFalse();
        assertThat(rec.errorMessage()).doesNotContain(ACME_KEY);
    }

    @Test
    void anOrgConfiguredFallbackIsTriedOnlyWhenConfigured() throws Exception {
        ProviderId backupId = ProviderId.of("backup");
        LoopbackServer backupServer = LoopbackServer.start();
        try {
            backupServer.otherwise(req -> json(200, answer("From backup.", 3, 2, 0)));
            OpenAiCompatibleClient backup = OpenAiCompatibleClient.builder(backupId,
                    ProviderSettings.builder(backupServer.uri("/v1")).retryPolicy(FAST).build()).build();
            job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                    .provider(backup).build();
            server.otherwise(req -> json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
            ModelRef local = ModelRef.of(backupId, "llama-3.1-8b");

            ProviderException withoutChain = catchThrowableOfType(ProviderException.class,
                    () -> job.run("hi", "acme", Map.of()));
            catalog.allow(ACME, local).setFallbacks(ACME, List.of(local));
            keys.put(ACME, backupId, ApiKey.of("backup-key-0000000000000"));
            JobResult viaFallback = job.run("hi", "acme", Map.of());

            assertThat(withoutChain.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
            assertThat(backupServer.requests()).hasSize(1);
            assertThat(backupServer.lastRequest().header("authorization")).isEqualTo("Bearer backup-key-0000000000000");
            assertThat(viaFallback.text()).isEqualTo("From backup.");
            assertThat(viaFallback.provider()).isEqualTo(backupId);
            assertThat(viaFallback.cost().isPriced()).as("no price known for the local model").isFalse();
            assertThat(usage.recent(ACME, 1).get(0).provider()).isEqualTo("backup");
        } finally {
            backupServer.close();
        }
    }

    @Test
    void streamDeliversTokensUsageAndDoneAndRecordsTheCall() throws Exception {
        server.enqueue(sse(chunk("Par"), chunk("is."),
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n", "data: [DONE]\n\n"));
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        StreamHandle h = job.stream(JobRequest.builder("acme", "Capital of France?").build(), events::add);
        JobResult r = h.completion().get(10, TimeUnit.SECONDS);

        assertThat(events).filteredOn(JobEvent.Token.class::isInstance).extracting(e -> ((JobEvent.Token) e).text())
                .containsExactly("Par", "is.");
        assertThat(events).filteredOn(JobEvent.Usage.class::isInstance).hasSize(1);
        assertThat(events.get(events.size() - 1)).isEqualTo(new JobEvent.Done(r));
        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(r.usage()).isEqualTo(new TokenUsage(7L, 2L, null));
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        assertThat(rec.outputText()).isEqualTo("Paris.");
    }

    @Test
    void aCanceledStreamIsRecordedAsCanceledWithTheTokensSeenSoFar() throws Exception {
        server.enqueue(sse(chunk("one "), chunk("two ")).thenStall());
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> twoTokens = new CompletableFuture<>();

        StreamHandle h = job.stream(JobRequest.builder("acme", "count").build(), e -> {
            events.add(e);
            if (events.stream().filter(JobEvent.Token.class::isInstance).count() == 2) {
                twoTokens.complete(null);
            }
        });
        twoTokens.get(10, TimeUnit.SECONDS);
        boolean canceled = h.cancel();

        assertThat(canceled).isTrue();
        assertThat(h.cancel()).isFalse();
        JobEvent last = events.get(events.size() - 1);
        assertThat(last).isInstanceOf(JobEvent.Error.class);
        assertThat(((JobEvent.Error) last).error().code()).isEqualTo(ErrorCode.AI_CANCELED);
        assertThatThrownBy(() -> h.completion().get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CanceledException.class);
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.CANCELED);
        assertThat(rec.usage().outputTokens()).isEqualTo(2L);
        assertThat(rec.usage().inputTokens()).as("not reported by the provider: unknown").isNull();
        assertThat(rec.outputText()).isEqualTo("one two ");
        assertThat(rec.errorCode()).isEqualTo("AI_CANCELED");
    }

    @Test
    void cancelRacingAFastStreamEndsEveryStreamExactlyOnceWithoutDeadlock() throws Exception {
        String[] chunks = new String[201];
        for (int i = 0; i < 200; i++) {
            chunks[i] = chunk("t" + i + " ");
        }
        chunks[200] = "data: [DONE]\n\n";
        server.otherwise(req -> sse(chunks));
        int streams = 40;
        List<List<JobEvent>> all = new ArrayList<>();
        List<StreamHandle> handles = new ArrayList<>();

        for (int i = 0; i < streams; i++) {
            List<JobEvent> events = new CopyOnWriteArrayList<>();
            all.add(events);
            int cancelAfter = i % 4 == 1 ? Integer.MAX_VALUE : i * 5; // some streams run to the end
            CompletableFuture<StreamHandle> ready = new CompletableFuture<>();
            StreamHandle h = job.stream(JobRequest.builder(i % 2 == 0 ? "acme" : "globex", "go").build(), e -> {
                events.add(e);
                if (e instanceof JobEvent.Token && events.size() == cancelAfter) {
                    ready.thenAccept(StreamHandle::cancel);
                }
            });
            ready.complete(h);
            handles.add(h);
            if (i % 3 == 0) {
                h.cancel(); // from the caller's thread, racing the first events
            }
        }
        for (StreamHandle h : handles) {
            try {
                h.completion().get(20, TimeUnit.SECONDS);
            } catch (ExecutionException expected) {
                assertThat(expected.getCause()).isInstanceOf(CanceledException.class);
            }
        }

        for (List<JobEvent> events : all) {
            long terminal = events.stream().filter(e -> e instanceof JobEvent.Done || e instanceof JobEvent.Error)
                    .count();
            assertThat(terminal).isEqualTo(1);
            assertThat(events.get(events.size() - 1)).isInstanceOfAny(JobEvent.Done.class, JobEvent.Error.class);
        }
        List<UsageRecord> records = new ArrayList<>(usage.recent(ACME, 1000));
        records.addAll(usage.recent(GLOBEX, 1000));
        assertThat(records).hasSize(streams)
                .allMatch(r -> r.status() == UsageStatus.OK || r.status() == UsageStatus.CANCELED);
        assertThat(records).extracting(UsageRecord::status).contains(UsageStatus.OK, UsageStatus.CANCELED);
    }

    @Test
    void streamReturnsBeforeItsAdmissionWhichRunsOnALibraryThreadWithTheCallersMdc() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<String> admittedOn = new AtomicReference<>();
        AtomicReference<String> mdcThere = new AtomicReference<>();
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .featureFlags((org, feature) -> { // a store that is slow to answer
                    admittedOn.set(Thread.currentThread().getName());
                    mdcThere.set(MDC.get("host.request") + " " + MDC.get(LLMJob.MDC_ORG));
                    await(release);
                    return true;
                }).build();
        server.enqueue(sse(chunk("Par"), chunk("is."), "data: [DONE]\n\n"));
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        MDC.put("host.request", "r-17");
        StreamHandle h;
        try {
            h = job.stream(JobRequest.builder("acme", "Capital of France?").feature("geo").build(), events::add);
        } finally {
            MDC.remove("host.request");
        }
        boolean doneBeforeRelease = h.completion().isDone();
        List<JobEvent> eventsBeforeRelease = List.copyOf(events);
        release.countDown();
        JobResult r = h.completion().get(10, TimeUnit.SECONDS);

        assertThat(doneBeforeRelease).isFalse();
        assertThat(eventsBeforeRelease).isEmpty();
        assertThat(admittedOn.get()).isNotEqualTo(Thread.currentThread().getName()).startsWith("ai-tenancy-");
        assertThat(mdcThere.get()).isEqualTo("r-17 acme");
        assertThat(r.text()).isEqualTo("Paris.");
        assertThat(usage.recent(ACME, 1)).singleElement().satisfies(rec -> {
            assertThat(rec.id()).isEqualTo(r.usageRecordId());
            assertThat(rec.status()).isEqualTo(UsageStatus.OK);
        });
    }

    @Test
    void aStreamCanceledWhileBeingAdmittedIsRecordedAsCanceledAndReleasesItsReservation() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(java.time.Clock.systemUTC(),
                dev.aitenancy.limits.BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("0.004")));
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .budgetLedger(ledger).featureFlags((org, feature) -> await(release)).build();
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        StreamHandle h = job.stream(JobRequest.builder("acme", "hi").feature("chat").build(), events::add);
        boolean canceled = h.cancel();
        List<JobEvent> eventsAtCancel = List.copyOf(events);
        boolean doneBeforeAdmission = h.completion().isDone();
        release.countDown();
        ExecutionException failed = catchThrowableOfType(ExecutionException.class,
                () -> h.completion().get(10, TimeUnit.SECONDS));
        JobResult next = job.run(JobRequest.builder("acme", "hi").feature("chat").build()); // worst case 0.0033

        assertThat(canceled).isTrue();
        assertThat(h.cancel()).isFalse();
        assertThat(eventsAtCancel).singleElement().isInstanceOfSatisfying(JobEvent.Error.class, e -> {
            assertThat(e.error().code()).isEqualTo(ErrorCode.AI_CANCELED);
            assertThat(e.error().orgId()).isEqualTo("acme");
        });
        assertThat(events).hasSize(1);
        assertThat(doneBeforeAdmission).as("completes once the canceled call is recorded").isFalse();
        assertThat(failed.getCause()).isInstanceOf(CanceledException.class);
        assertThat(next.text()).as("the canceled call's reservation was released").isEqualTo("Paris.");
        assertThat(server.requests()).hasSize(1);
        assertThat(usage.recent(ACME, 10)).extracting(UsageRecord::status)
                .containsExactlyInAnyOrder(UsageStatus.CANCELED, UsageStatus.OK);
    }

    private static boolean await(java.util.concurrent.CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void aStreamRefusedUpFrontEndsWithAnErrorEvent() {
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        StreamHandle h = job.stream(JobRequest.builder("initech", "hi").build(), events::add);

        assertThat(h.completion()).failsWithin(Duration.ofSeconds(10));
        assertThat(events).hasSize(1);
        assertThat(((JobEvent.Error) events.get(0)).error().code()).isEqualTo(ErrorCode.AI_CONFIG_MISSING_API_KEY);
        assertThat(h.completion()).isCompletedExceptionally();
        assertThat(h.cancel()).isFalse();
    }

    @Test
    void aStreamFailingMidWayIsRecordedAsAnErrorWithThePartialText() throws Exception {
        server.enqueue(sse(chunk("Par"), "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"));
        List<JobEvent> events = new CopyOnWriteArrayList<>();

        StreamHandle h = job.stream(JobRequest.builder("acme", "x").build(), events::add);

        assertThatThrownBy(() -> h.completion().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ProviderException.class);
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(rec.outputText()).isEqualTo("Par");
        assertThat(rec.errorCode()).isEqualTo("AI_PROVIDER_UNAVAILABLE");
    }

    @Test
    void manyAsyncCallsInFlightAllCompleteAndEachLeavesExactlyOneRecord() throws Exception {
        int n = 300;
        List<CompletableFuture<JobResult>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(job.runAsync(JobRequest.builder(i % 2 == 0 ? "acme" : "globex", "q {{i}}")
                    .context(Map.of("i", i)).build()));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(futures).allSatisfy(f -> assertThat(f.join().text()).isEqualTo("Paris."));
        assertThat(usage.recent(ACME, 1000)).hasSize(n / 2).allMatch(r -> r.status() == UsageStatus.OK);
        assertThat(usage.recent(GLOBEX, 1000)).hasSize(n / 2);
        assertThat(server.requests()).hasSize(n);
    }

    @Test
    void cancelingAnAsyncCallRecordsItAsCanceled() throws Exception {
        server.enqueue(sse().thenStall());

        CompletableFuture<JobResult> f = job.runAsync(JobRequest.builder("acme", "slow").build());
        while (server.requests().isEmpty()) {
            Thread.onSpinWait();
        }
        f.cancel(true);

        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.status()).isEqualTo(UsageStatus.CANCELED);
        assertThat(rec.errorCode()).isEqualTo("AI_CANCELED");
    }

    @Test
    void theMdcHoldsTheCorrelationIdOnlyDuringTheCall() {
        MDC.put(LLMJob.MDC_CORRELATION_ID, "outer");

        job.run(JobRequest.builder("acme", "hi").correlationId("corr-77").build());

        assertThat(server.lastRequest().header("x-correlation-id")).isEqualTo("corr-77");
        assertThat(MDC.get(LLMJob.MDC_CORRELATION_ID)).isEqualTo("outer");
        assertThat(MDC.get(LLMJob.MDC_ORG)).isNull();
        MDC.clear();
    }

    @Test
    void aPlantedKeyNeverAppearsInResultsRecordsExceptionsOrLogs() throws Exception {
        List<Object> outputs = new ArrayList<>();
        String logs = LogCapture.stderrOf(() -> {
            outputs.add(job.run("my key is " + ACME_KEY + "!", "acme", Map.of()));
            server.otherwise(req -> json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + ACME_KEY
                    + "\",\"code\":\"invalid_api_key\"}}"));
            try {
                job.run("hi", "acme", Map.of());
            } catch (AiTenancyException e) {
                outputs.add(e);
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                outputs.add(trace);
            }
            server.enqueue(sse(chunk("x")).thenStall());
            StreamHandle h = job.stream(JobRequest.builder("acme", "s").build(), outputs::add);
            h.cancel();
        });
        outputs.addAll(usage.recent(ACME, 10));
        outputs.add(keys);

        assertThat(outputs).hasSizeGreaterThan(5);
        for (Object o : outputs) {
            assertThat(String.valueOf(o)).doesNotContain(ACME_KEY).doesNotContain("ACMEplanted");
        }
        assertThat(logs).as("the capture sees the library's log lines, with the MDC").contains("org=acme corr=");
        assertThat(logs).doesNotContain(ACME_KEY).doesNotContain("ACMEplanted");
    }
}
