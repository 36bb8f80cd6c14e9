package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageSummaries;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.junit.jupiter.web.SpringJUnitWebConfig;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * Every admin endpoint through MockMvc, in one real Spring web context with Spring Security (in
 * memory; the provider is OpenAI's wire format on a loopback server).
 */
@SpringJUnitWebConfig(AdminEndpointsTest.Config.class)
@TestPropertySource(properties = {"ai-tenancy.admin.enabled=true", "ai-tenancy.admin.base-path=/ai"})
class AdminEndpointsTest {

    static final LoopbackServer PROVIDER = FakeOpenAi.start();
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    static final String GOOD_KEY = "sk-good-acme-0000000000001234";
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final ObjectMapper JSON = new ObjectMapper();

    static final RequestPostProcessor ROOT = as("root", "ROLE_AI_SUPERADMIN");
    static final RequestPostProcessor ADA = as("ada", "AI_ORG_ADMIN:acme");
    static final RequestPostProcessor MEL = as("mel", "AI_ORG_MEMBER:acme", "AI_ORG_MEMBER:limited");
    static final RequestPostProcessor GUS = as("gus", "AI_ORG_ADMIN:globex");

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @EnableWebSecurity
    @ImportAutoConfiguration({AiTenancyAutoConfiguration.class, AiTenancyAdminAutoConfiguration.class})
    static class Config {

        @Bean
        Clock clock() {
            return CLOCK;
        }

        @Bean
        ProviderClient openAi() {
            return new OpenAiClient(OpenAiClient.defaultSettings().baseUri(PROVIDER.uri("/v1"))
                    .retryPolicy(RetryPolicy.NONE).build());
        }

        @Bean
        OrgDirectory orgs() {
            return org -> Set.of("acme", "globex", "limited", "throttled").contains(org.value());
        }

        /** The library authorizes by itself: Spring Security only authenticates here. */
        @Bean
        SecurityFilterChain security(HttpSecurity http) throws Exception {
            http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
            return http.build();
        }
    }

    @Autowired
    WebApplicationContext context;
    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;
    @Autowired
    RateLimitAdmin limits;
    @Autowired
    UsageSummaries summaries;
    @Autowired
    dev.aitenancy.usage.UsageLog usageLog;

    MockMvc mvc;

    static RequestPostProcessor as(String name, String... authorities) {
        return user(name).authorities(java.util.Arrays.stream(authorities).map(SimpleGrantedAuthority::new).toList());
    }

    @AfterAll
    static void stopProvider() {
        PROVIDER.close();
    }

    @BeforeEach
    void setUp() {
        mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        CLOCK.advance(java.time.Duration.ofMinutes(1)); // each test in a minute of its own: fresh rate limits
        for (String org : List.of("acme", "limited", "globex", "throttled")) {
            OrgId id = OrgId.of(org);
            models.allow(id, MINI, 1000).setDefault(id, MINI).setDefaultProvider(id, ProviderId.OPENAI);
            if (!org.equals("globex")) {
                keys.put(id, ProviderId.OPENAI, ApiKey.of(GOOD_KEY), "setup");
                keys.markVerified(id, ProviderId.OPENAI, CLOCK.instant());
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    MockHttpServletResponse call(RequestPostProcessor who, MockHttpServletRequestBuilder request) throws Exception {
        if (who != null) {
            request.with(who);
        }
        MvcResult result = mvc.perform(request.with(csrf())).andReturn();
        if (result.getRequest().isAsyncStarted()) { // generate answers asynchronously
            result.getAsyncResult(30_000);
            result = mvc.perform(asyncDispatch(result)).andReturn();
        }
        return result.getResponse();
    }

    MockHttpServletResponse send(RequestPostProcessor who, MockHttpServletRequestBuilder request, String json)
            throws Exception {
        return call(who, request.contentType(MediaType.APPLICATION_JSON).content(json));
    }

    static JsonNode json(MockHttpServletResponse r) throws Exception {
        return JSON.readTree(r.getContentAsString(StandardCharsets.UTF_8));
    }

    static void assertError(MockHttpServletResponse r, int status, String code) throws Exception {
        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(status);
        assertThat(json(r).path("code").asText()).isEqualTo(code);
        assertThat(json(r).path("message").asText()).isNotBlank();
    }

    MockHttpServletResponse generate(RequestPostProcessor who, String org, String body) throws Exception {
        return send(who, post("/ai/orgs/" + org + "/generate"), body);
    }

    static List<Map.Entry<String, JsonNode>> events(MockHttpServletResponse r) throws Exception {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (String block : r.getContentAsString(StandardCharsets.UTF_8).split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event:");
            assertThat(lines[1]).startsWith("data:");
            out.add(Map.entry(lines[0].substring(6).strip(), JSON.readTree(lines[1].substring(5))));
        }
        return out;
    }

    // ---- generate ---------------------------------------------------------------------------------

    @Test
    void aMemberGeneratesJsonAndTheCorrelationIdIsEchoed() throws Exception {
        MockHttpServletResponse r = call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", "req-42")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"prompt\":\"Say hi to {{name}}\",\"context\":{\"name\":\"Bo\"},\"maxOutputTokens\":50}"));

        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(200);
        assertThat(r.getHeaders("x-correlation-id")).containsExactly("req-42");
        JsonNode body = json(r);
        assertThat(body.path("text").asText()).isEqualTo(FakeOpenAi.ANSWER);
        assertThat(body.path("provider").asText()).isEqualTo("openai");
        assertThat(body.path("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(body.path("usage").path("outputTokens").asLong()).isEqualTo(3);
        assertThat(body.path("correlationId").asText()).isEqualTo("req-42");
        assertThat(PROVIDER.lastRequest().body()).contains("Say hi to Bo");
    }

    @Test
    void aCorrelationIdTooLongToRecordIsRefusedAndNotEchoedAndLaterCallsAreStillRecorded() throws Exception {
        String tooLong = "c".repeat(200);
        MockHttpServletResponse r = call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", tooLong)
                .contentType(MediaType.APPLICATION_JSON).content("{\"prompt\":\"hi\"}"));
        assertError(r, 400, "AI_INVALID_REQUEST");
        assertThat(json(r).path("message").asText()).contains("correlation id", "at most 128");
        assertThat(r.getHeader("x-correlation-id")).isNull();
        assertError(generate(MEL, "acme", "{\"prompt\":\"hi\",\"feature\":\"" + "f".repeat(129) + "\"}"), 400,
                "AI_INVALID_REQUEST");
        MockHttpServletResponse control = call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", "a\u0007b")
                .contentType(MediaType.APPLICATION_JSON).content("{\"prompt\":\"hi\"}"));
        assertThat(control.getStatus()).as(control.getContentAsString()).isEqualTo(400);
        assertThat(control.getHeader("x-correlation-id")).isNull();

        MockHttpServletResponse next = call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", "after-poison")
                .contentType(MediaType.APPLICATION_JSON).content("{\"prompt\":\"hi\"}"));
        assertThat(next.getStatus()).isEqualTo(200);
        UUID id = UUID.fromString(json(next).path("usageRecordId").asText());
        assertThat(usageLog.find(OrgId.of("acme"), id)).hasValueSatisfying(rec ->
                assertThat(rec.correlationId()).isEqualTo("after-poison"));
    }

    @Test
    void aStreamedGenerateSendsTokensUsageAndDone() throws Exception {
        MockHttpServletResponse r = generate(MEL, "acme", "{\"prompt\":\"Stream please\",\"stream\":true}");

        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContentType()).startsWith("text/event-stream");
        assertThat(r.getHeader("x-correlation-id")).isNotBlank();
        List<Map.Entry<String, JsonNode>> events = events(r);
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.getKey().equals("token")).forEach(e -> text.append(e.getValue().path("text").asText()));
        assertThat(text).hasToString(FakeOpenAi.ANSWER);
        assertThat(events).extracting(Map.Entry::getKey).contains("usage").endsWith("done");
        JsonNode done = events.get(events.size() - 1).getValue();
        assertThat(done.path("text").asText()).isEqualTo(FakeOpenAi.ANSWER);
        assertThat(done.path("correlationId").asText()).isEqualTo(r.getHeader("x-correlation-id"));
    }

    @Test
    void aStreamRefusedBeforeItsFirstEventGetsAnOrdinaryErrorResponse() throws Exception {
        // globex has models but no key of its own
        assertError(generate(GUS, "globex", "{\"prompt\":\"hi\",\"stream\":true}"), 409, "AI_CONFIG_MISSING_API_KEY");
        assertError(generate(GUS, "globex", "{\"prompt\":\"hi\"}"), 409, "AI_CONFIG_MISSING_API_KEY");
    }

    @Test
    void aRateLimitedCallGets429WithRetryAfter() throws Exception {
        RequestPostProcessor rae = as("rae", "AI_ORG_MEMBER:throttled");
        limits.setPolicy(OrgId.of("throttled"), new RateLimitPolicy(1, 60, 0));
        assertThat(generate(rae, "throttled", "{\"prompt\":\"one\"}").getStatus()).isEqualTo(200);

        MockHttpServletResponse second = generate(rae, "throttled", "{\"prompt\":\"two\",\"correlationId\":\"c-2\"}");
        assertError(second, 429, "AI_RATE_LIMITED");
        assertThat(second.getHeader("x-correlation-id")).isEqualTo("c-2");
        long retryAfter = Long.parseLong(second.getHeader("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 60L);
        MockHttpServletResponse streamed = generate(rae, "throttled", "{\"prompt\":\"three\",\"stream\":true}");
        assertError(streamed, 429, "AI_RATE_LIMITED");
        assertThat(streamed.getHeader("Retry-After")).isNotNull();
    }

    @Test
    void badJsonAndMissingFieldsAre400() throws Exception {
        assertError(generate(MEL, "acme", "{\"prompt\": "), 400, "AI_INVALID_REQUEST");
        assertError(generate(MEL, "acme", "[1,2]"), 400, "AI_INVALID_REQUEST");
        assertError(generate(MEL, "acme", "{\"feature\":\"x\"}"), 400, "AI_INVALID_REQUEST");
        assertError(generate(MEL, "acme", "{\"prompt\":\"x\",\"maxOutputTokens\":\"many\"}"), 400, "AI_INVALID_REQUEST");
        assertError(call(MEL, post("/ai/orgs/acme/generate")), 400, "AI_INVALID_REQUEST");
        assertError(generate(MEL, "acme", "{\"prompt\":\"Hi {{who}}\"}"), 400, "AI_TEMPLATE_MISSING_VARIABLE");
        assertError(send(ADA, put("/ai/orgs/acme/providers/openai"), "{}"), 400, "AI_INVALID_REQUEST");
    }

    // ---- authorization ----------------------------------------------------------------------------

    @Test
    void nobodySignedInIs401() throws Exception {
        assertError(call(null, get("/ai/orgs/acme/providers")), 401, "AI_UNAUTHENTICATED");
        assertError(generate(null, "acme", "{\"prompt\":\"hi\"}"), 401, "AI_UNAUTHENTICATED");
    }

    @Test
    void aMemberMayNotUseAdminEndpoints() throws Exception {
        assertError(call(MEL, get("/ai/orgs/acme/providers")), 403, "AI_FORBIDDEN");
        assertError(call(MEL, get("/ai/orgs/acme/usage")), 403, "AI_FORBIDDEN");
        assertError(call(MEL, delete("/ai/orgs/acme/usage")), 403, "AI_FORBIDDEN");
        assertError(send(MEL, put("/ai/orgs/acme/models/openai/gpt-4.1-nano"), "{}"), 403, "AI_FORBIDDEN");
        assertError(call(MEL, get("/ai/orgs/acme/audit")), 403, "AI_FORBIDDEN");
        assertError(generate(MEL, "globex", "{\"prompt\":\"hi\"}"), 403, "AI_FORBIDDEN");
    }

    @Test
    void anAdminOfOneOrgMayNotTouchAnother() throws Exception {
        assertError(call(GUS, get("/ai/orgs/acme/providers")), 403, "AI_FORBIDDEN");
        assertError(send(GUS, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"" + GOOD_KEY + "\"}"), 403,
                "AI_FORBIDDEN");
        assertError(call(GUS, get("/ai/orgs/acme/my/usage")), 403, "AI_FORBIDDEN");
        assertThat(call(GUS, get("/ai/orgs/globex/providers")).getStatus()).isEqualTo(200);
    }

    @Test
    void anUnknownOrgIs404ForASuperadminAnd403ForOthers() throws Exception {
        assertError(call(ROOT, get("/ai/orgs/nope/models")), 404, "AI_NOT_FOUND");
        assertError(call(ADA, get("/ai/orgs/nope/models")), 403, "AI_FORBIDDEN");
        assertThat(call(ROOT, get("/ai/orgs/globex/models")).getStatus()).isEqualTo(200);
    }

    @Test
    void stateChangingRequestsNeedSpringSecuritysCsrfToken() throws Exception {
        MockHttpServletResponse r = mvc.perform(put("/ai/orgs/acme/features/chat").with(ADA)
                .contentType(MediaType.APPLICATION_JSON).content("{\"enabled\":false}")).andReturn().getResponse();
        assertThat(r.getStatus()).isEqualTo(403);
        assertThat(json(call(ADA, get("/ai/orgs/acme/features"))).has("chat")).isFalse();
    }

    // ---- providers --------------------------------------------------------------------------------

    @Test
    void providersStatusUpsertVerifyAndDelete() throws Exception {
        MockHttpServletResponse upsert = send(ADA, put("/ai/orgs/acme/providers/openai"),
                "{\"apiKey\":\"sk-good-new-key-000000005678\"}");
        assertThat(upsert.getStatus()).as(upsert.getContentAsString()).isEqualTo(200);
        assertThat(json(upsert).path("maskedKey").asText()).endsWith("5678").doesNotContain("sk-good");
        assertThat(json(upsert).path("verified").asBoolean()).isTrue();
        assertThat(json(upsert).path("createdBy").asText()).isEqualTo("ada");

        JsonNode status = json(call(ADA, get("/ai/orgs/acme/providers")));
        assertThat(status).hasSize(1);
        assertThat(status.get(0).path("provider").asText()).isEqualTo("openai");
        assertThat(status.get(0).path("defaultModel").asText()).isEqualTo("gpt-4.1-mini");

        assertError(send(ADA, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"sk-bad-000000000000\"}"), 422,
                "AI_PROVIDER_AUTH");
        assertThat(keys.get(OrgId.of("acme"), ProviderId.OPENAI)).contains(ApiKey.of("sk-good-new-key-000000005678"));

        MockHttpServletResponse verify = send(ADA, post("/ai/orgs/acme/providers/openai/verify"),
                "{\"apiKey\":\"" + GOOD_KEY + "\"}");
        assertThat(json(verify).path("valid").asBoolean()).isTrue();

        MockHttpServletResponse deleted = call(ADA, delete("/ai/orgs/acme/providers/openai"));
        assertThat(json(deleted).path("deleted").asBoolean()).isTrue();
        assertThat(json(call(ADA, get("/ai/orgs/acme/providers")))).isEmpty();
        assertThat(json(call(ADA, get("/ai/orgs/acme/models"))).has("openai")).isFalse();
    }

    @Test
    void keyChecksAreRateLimitedPerAdmin() throws Exception {
        RequestPostProcessor vic = as("vic", "AI_ORG_ADMIN:acme");
        int limit = limits.policy(OrgId.of("acme")).userKeyChecksPerMinute();
        for (int i = 0; i < limit; i++) {
            assertError(send(vic, post("/ai/orgs/acme/providers/openai/verify"), "{\"apiKey\":\"sk-bad-" + i + "\"}"),
                    422, "AI_PROVIDER_AUTH");
        }
        MockHttpServletResponse refused = send(vic, post("/ai/orgs/acme/providers/openai/verify"),
                "{\"apiKey\":\"" + GOOD_KEY + "\"}");
        assertError(refused, 429, "AI_RATE_LIMITED");
        assertThat(refused.getHeader("Retry-After")).isNotNull();
    }

    // ---- models -----------------------------------------------------------------------------------

    @Test
    void modelsListedByProviderClampedDefaultedAndRemoved() throws Exception {
        MockHttpServletResponse added = send(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-nano"),
                "{\"maxOutputTokens\":100000000,\"label\":\"Nano\"}");
        assertThat(added.getStatus()).as(added.getContentAsString()).isEqualTo(200);
        int cap = json(added).path("maxOutputTokens").asInt();
        assertThat(cap).isPositive().isLessThan(100_000_000);
        assertThat(json(added).path("label").asText()).isEqualTo("Nano");

        JsonNode list = json(call(ADA, get("/ai/orgs/acme/models")));
        assertThat(list.path("openai")).extracting(n -> n.path("model").asText())
                .containsExactly("gpt-4.1-mini", "gpt-4.1-nano");

        assertError(call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-mini")), 409, "AI_CONFIG_INVALID");
        assertThat(json(call(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-nano/default"))).path("default")
                .asBoolean()).isTrue();
        assertThat(call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-mini")).getStatus()).isEqualTo(200);
        assertError(call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-mini")), 404, "AI_NOT_FOUND");
        assertError(call(ADA, put("/ai/orgs/acme/models/openai/not-allowed/default")), 403, "AI_MODEL_NOT_ALLOWED");

        assertThat(send(ADA, put("/ai/orgs/acme/default-provider"), "{\"provider\":\"openai\"}").getStatus())
                .isEqualTo(200);
        assertThat(send(ADA, put("/ai/orgs/acme/feature-preferences/summaries"),
                "{\"provider\":\"openai\",\"model\":\"gpt-4.1-nano\",\"maxOutputTokens\":50}").getStatus()).isEqualTo(200);
        JsonNode prefs = json(call(ADA, get("/ai/orgs/acme/feature-preferences")));
        assertThat(prefs).singleElement().satisfies(p -> {
            assertThat(p.path("feature").asText()).isEqualTo("summaries");
            assertThat(p.path("model").asText()).isEqualTo("gpt-4.1-nano");
            assertThat(p.path("maxOutputTokens").asInt()).isEqualTo(50);
        });
        assertError(call(MEL, get("/ai/orgs/acme/feature-preferences")), 403, "AI_FORBIDDEN");
        assertThat(call(ADA, put("/ai/orgs/acme/denied-models/openai/gpt-4.1-nano")).getStatus()).isEqualTo(200);
        assertError(generate(MEL, "acme", "{\"prompt\":\"hi\",\"model\":\"gpt-4.1-nano\"}"), 403, "AI_MODEL_NOT_ALLOWED");
        assertThat(call(ADA, delete("/ai/orgs/acme/denied-models/openai/gpt-4.1-nano")).getStatus()).isEqualTo(200);

        assertThat(json(send(ADA, put("/ai/orgs/acme/fallbacks"), "{\"models\":[\"openai/gpt-4.1-nano\"]}"))
                .path("fallbacks").get(0).asText()).isEqualTo("openai/gpt-4.1-nano");
        assertThat(json(call(ADA, get("/ai/orgs/acme/fallbacks"))).path("fallbacks"))
                .extracting(JsonNode::asText).containsExactly("openai/gpt-4.1-nano");
        assertError(send(ADA, put("/ai/orgs/acme/fallbacks"), "{\"models\":[\"gpt-4.1-nano\"]}"), 400, "AI_INVALID_REQUEST");
        assertThat(send(ADA, put("/ai/orgs/acme/fallbacks"), "{\"models\":[]}").getStatus()).isEqualTo(200);

        // put acme back as the other tests expect it
        call(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-mini"));
        call(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-mini/default"));
        call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-nano"));
    }

    // ---- usage ------------------------------------------------------------------------------------

    @Test
    void usageRecordsWithFiltersPagesTotalsAndOneRecord() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"usage one\",\"feature\":\"usage-test\"}");
        generate(ADA, "acme", "{\"prompt\":\"usage two\",\"feature\":\"usage-test\"}");
        generate(MEL, "acme", "{\"prompt\":\"usage three\",\"feature\":\"usage-test\"}");

        JsonNode first = json(call(ADA, get("/ai/orgs/acme/usage").param("feature", "usage-test").param("pageSize", "2")));
        assertThat(first.path("records")).hasSize(2);
        assertThat(first.path("records").get(0).has("inputText")).isFalse();
        String cursor = first.path("nextCursor").asText();
        assertThat(cursor).isNotBlank();
        JsonNode second = json(call(ADA, get("/ai/orgs/acme/usage").param("feature", "usage-test")
                .param("pageSize", "2").param("cursor", cursor)));
        assertThat(second.path("records")).hasSize(1);
        assertThat(second.path("nextCursor").isNull()).isTrue();

        JsonNode mine = json(call(ADA, get("/ai/orgs/acme/usage").param("feature", "usage-test").param("user", "mel")
                .param("status", "ok").param("provider", "openai").param("model", "gpt-4.1-mini")
                .param("from", "2026-11-25").param("to", "2026-11-26").param("text", "usage")));
        assertThat(mine.path("records")).hasSize(2).allMatch(n -> n.path("userId").asText().equals("mel"));

        JsonNode totals = json(call(ADA, get("/ai/orgs/acme/usage/totals").param("feature", "usage-test")));
        assertThat(totals.path("requests").asLong()).isEqualTo(3);
        assertThat(totals.path("outputTokens").asLong()).isEqualTo(9);

        String id = first.path("records").get(0).path("id").asText();
        JsonNode one = json(call(ADA, get("/ai/orgs/acme/usage/records/" + id)));
        assertThat(one.path("id").asText()).isEqualTo(id);
        assertThat(one.path("inputText").asText()).contains("usage");
        assertError(call(ADA, get("/ai/orgs/acme/usage/records/" + java.util.UUID.randomUUID())), 404, "AI_NOT_FOUND");
        assertError(call(ADA, get("/ai/orgs/acme/usage/records/not-a-uuid")), 400, "AI_INVALID_REQUEST");
        assertError(call(ADA, get("/ai/orgs/acme/usage").param("status", "weird")), 400, "AI_INVALID_REQUEST");
        assertError(call(ADA, get("/ai/orgs/acme/usage").param("from", "yesterday")), 400, "AI_INVALID_REQUEST");
    }

    @Test
    void myUsageShowsOnlyTheCallersOwnRecords() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"mine\",\"feature\":\"my-test\"}");
        generate(ADA, "acme", "{\"prompt\":\"not mine\",\"feature\":\"my-test\"}");

        JsonNode mine = json(call(MEL, get("/ai/orgs/acme/my/usage").param("feature", "my-test").param("user", "ada")));
        assertThat(mine.path("records")).hasSize(1);
        assertThat(mine.path("records").get(0).path("userId").asText()).isEqualTo("mel");
        assertThat(json(call(MEL, get("/ai/orgs/acme/my/usage/totals").param("feature", "my-test")))
                .path("requests").asLong()).isEqualTo(1);

        JsonNode adas = json(call(ADA, get("/ai/orgs/acme/usage").param("feature", "my-test").param("user", "ada")));
        String adasRecord = adas.path("records").get(0).path("id").asText();
        assertError(call(MEL, get("/ai/orgs/acme/my/usage/records/" + adasRecord)), 404, "AI_NOT_FOUND");
        String melsRecord = mine.path("records").get(0).path("id").asText();
        assertThat(json(call(MEL, get("/ai/orgs/acme/my/usage/records/" + melsRecord))).path("inputText").asText())
                .isEqualTo("mine");
    }

    @Test
    void dailySummariesExportAndPurge() throws Exception {
        generate(MEL, "limited", "{\"prompt\":\"export me, \\\"quoted\\\"\"}");
        summaries.summarize(LocalDate.of(2026, 11, 25));
        RequestPostProcessor rootish = ROOT;

        JsonNode daily = json(call(rootish, get("/ai/orgs/limited/usage/daily").param("from", "2026-11-25")
                .param("to", "2026-11-25")));
        assertThat(daily).isNotEmpty();
        assertThat(daily.get(0).path("day").asText()).isEqualTo("2026-11-25");

        MockHttpServletResponse csv = call(rootish, get("/ai/orgs/limited/usage/export").param("format", "csv"));
        assertThat(csv.getStatus()).isEqualTo(200);
        assertThat(csv.getContentType()).startsWith("text/csv");
        String text = csv.getContentAsString(StandardCharsets.UTF_8);
        assertThat(text.lines().count()).isGreaterThanOrEqualTo(2);
        assertThat(text).contains("export me");

        MockHttpServletResponse jsonl = call(rootish, get("/ai/orgs/limited/usage/export").param("format", "jsonl"));
        assertThat(jsonl.getContentType()).startsWith("application/x-ndjson");
        for (String line : jsonl.getContentAsString(StandardCharsets.UTF_8).split("\n")) {
            assertThat(JSON.readTree(line).toString()).contains("limited");
        }
        assertError(call(rootish, get("/ai/orgs/limited/usage/export").param("format", "xml")), 400, "AI_INVALID_REQUEST");

        // the default cutoff is the retention period: today's records stay
        assertThat(json(call(rootish, delete("/ai/orgs/limited/usage"))).path("purged").asLong()).isZero();
        long purged = json(call(rootish, delete("/ai/orgs/limited/usage").param("before", "2026-11-26")))
                .path("purged").asLong();
        assertThat(purged).isPositive();
        assertThat(json(call(rootish, get("/ai/orgs/limited/usage"))).path("records")).isEmpty();
        JsonNode audit = json(call(rootish, get("/ai/orgs/limited/audit").param("action", "usage.purge")));
        assertThat(audit.path("events")).isNotEmpty();
        assertThat(audit.path("events").get(0).path("actor").asText()).isEqualTo("root");
    }

    @Test
    void pricingReportAndAuditLog() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"priced\"}");
        JsonNode pricing = json(call(ADA, get("/ai/orgs/acme/usage/pricing").param("from", "2026-11-25")
                .param("to", "2026-11-26").param("zone", "Europe/Berlin")));
        assertThat(pricing.path("total").path("requests").asLong()).isPositive();
        assertThat(pricing.path("byHour")).hasSize(24);
        assertThat(pricing.path("zone").asText()).isEqualTo("Europe/Berlin");
        assertError(call(ADA, get("/ai/orgs/acme/usage/pricing").param("zone", "Mars/Base")), 400, "AI_INVALID_REQUEST");

        send(ADA, put("/ai/orgs/acme/features/audited"), "{\"enabled\":true}");
        JsonNode audit = json(call(ADA, get("/ai/orgs/acme/audit").param("action", "feature.*").param("limit", "1")));
        assertThat(audit.path("events")).hasSize(1);
        assertThat(audit.path("events").get(0).path("actor").asText()).isEqualTo("ada");
    }

    // ---- governance -------------------------------------------------------------------------------

    @Test
    void featureFlagsSwitchGenerateOff() throws Exception {
        assertThat(json(send(ADA, put("/ai/orgs/acme/features/drafts"), "{\"enabled\":false}")).path("enabled")
                .asBoolean()).isFalse();
        assertThat(json(call(ADA, get("/ai/orgs/acme/features"))).path("drafts").asBoolean()).isFalse();
        assertError(generate(MEL, "acme", "{\"prompt\":\"hi\",\"feature\":\"drafts\"}"), 403, "AI_FEATURE_DISABLED");
        assertError(send(ADA, put("/ai/orgs/acme/features/drafts"), "{}"), 400, "AI_INVALID_REQUEST");
        send(ADA, put("/ai/orgs/acme/features/drafts"), "{\"enabled\":true}");
        assertThat(generate(MEL, "acme", "{\"prompt\":\"hi\",\"feature\":\"drafts\"}").getStatus()).isEqualTo(200);
    }

    @Test
    void tiersAndTierAccess() throws Exception {
        JsonNode tiers = json(call(ADA, get("/ai/orgs/acme/tiers")));
        assertThat(tiers).extracting(n -> n.path("name").asText()).containsExactly("basic", "standard", "premium");
        assertError(send(ADA, put("/ai/orgs/acme/tiers"), "{\"tiers\":[\"platinum\"]}"), 409, "AI_CONFIG_INVALID");
        assertError(send(ADA, put("/ai/orgs/acme/tiers"), "{}"), 400, "AI_INVALID_REQUEST");
        assertThat(send(ADA, put("/ai/orgs/acme/tiers/groups/support"), "{\"tiers\":[\"basic\"]}").getStatus())
                .isEqualTo(200);
        assertThat(send(ADA, put("/ai/orgs/acme/tiers/users/mel"), "{\"tiers\":null}").getStatus()).isEqualTo(200);
        assertThat(send(ADA, put("/ai/orgs/acme/tiers"), "{\"tiers\":[]}").getStatus()).isEqualTo(200);
        send(ADA, put("/ai/orgs/acme/tiers/groups/support"), "{\"tiers\":null}");
    }

    @Test
    void budgetsListAndChange() throws Exception {
        MockHttpServletResponse set = send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"user\",\"subject\":\"mel\",\"period\":\"monthly\",\"limitUsd\":20,\"hard\":true}");
        assertThat(set.getStatus()).as(set.getContentAsString()).isEqualTo(200);
        JsonNode list = json(call(ADA, get("/ai/orgs/acme/budgets")));
        assertThat(list).anyMatch(b -> b.path("subject").asText().equals("mel")
                && b.path("period").asText().equals("MONTHLY") && b.path("limitUsd").decimalValue().intValue() == 20);
        assertError(send(ADA, put("/ai/orgs/acme/budgets"), "{\"scope\":\"planet\",\"period\":\"monthly\",\"limitUsd\":1}"),
                400, "AI_INVALID_REQUEST");
        assertError(send(ADA, put("/ai/orgs/acme/budgets"), "{\"scope\":\"org\",\"period\":\"daily\"}"), 400,
                "AI_INVALID_REQUEST");
        assertError(send(ADA, put("/ai/orgs/acme/budgets"), "{\"scope\":\"user\",\"period\":\"daily\",\"limitUsd\":1}"),
                400, "AI_INVALID_REQUEST");

        assertError(call(MEL, delete("/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly")), 403,
                "AI_FORBIDDEN");
        assertError(call(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=mel")), 400, "AI_INVALID_REQUEST");
        assertThat(call(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly")).getStatus())
                .isEqualTo(200);
        assertError(call(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly")), 404,
                "AI_NOT_FOUND");
        assertThat(json(call(ADA, get("/ai/orgs/acme/budgets"))))
                .noneMatch(b -> b.path("subject").asText().equals("mel") && b.path("period").asText().equals("MONTHLY"));
        assertThat(json(call(ADA, get("/ai/orgs/acme/audit?action=budget.remove"))).path("events"))
                .singleElement().satisfies(e -> assertThat(e.path("target").asText()).isEqualTo("user mel monthly"));
    }

    @Test
    void aBudgetCanAllowUnpricedModelsAndTheChangeIsAudited() throws Exception {
        MockHttpServletResponse set = send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"org\",\"period\":\"weekly\",\"limitUsd\":50,\"allowUnpriced\":true}");
        JsonNode listed = json(call(ADA, get("/ai/orgs/acme/budgets")));
        MockHttpServletResponse notBoolean = send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"org\",\"period\":\"weekly\",\"limitUsd\":50,\"allowUnpriced\":\"yes\"}");
        MockHttpServletResponse withoutIt = send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"org\",\"period\":\"weekly\",\"limitUsd\":50}");

        assertThat(set.getStatus()).as(set.getContentAsString()).isEqualTo(200);
        assertThat(json(set).path("allowUnpriced").asBoolean()).isTrue();
        assertThat(listed).filteredOn(b -> b.path("period").asText().equals("WEEKLY")).singleElement()
                .satisfies(b -> assertThat(b.path("allowUnpriced").asBoolean()).isTrue());
        assertError(notBoolean, 400, "AI_INVALID_REQUEST");
        assertThat(json(withoutIt).path("allowUnpriced").asBoolean()).as("a PUT replaces: false unless given").isFalse();
        assertThat(json(call(ADA, get("/ai/orgs/acme/audit?action=budget.set"))).path("events"))
                .extracting(e -> e.path("detail").asText()).containsSubsequence(
                        "50 USD, hard, alert at 0.8, UTC",
                        "50 USD, hard, alert at 0.8, UTC, unpriced models allowed");
        call(ADA, delete("/ai/orgs/acme/budgets?scope=org&period=weekly"));
    }

    @Test
    void templatesAreVersionedAndRunByName() throws Exception {
        MockHttpServletResponse v1 = send(ADA, post("/ai/orgs/acme/templates/greet"), "{\"text\":\"Hello {{name}}\"}");
        assertThat(v1.getStatus()).isEqualTo(201);
        int first = json(v1).path("version").asInt();
        send(ADA, post("/ai/orgs/acme/templates/greet"), "{\"text\":\"Hi there {{name}}\"}");
        JsonNode versions = json(call(ADA, get("/ai/orgs/acme/templates/greet")));
        assertThat(versions.size()).isGreaterThanOrEqualTo(2);
        assertThat(versions.get(versions.size() - 1).path("text").asText()).isEqualTo("Hi there {{name}}");

        assertThat(generate(MEL, "acme", "{\"template\":\"greet\",\"context\":{\"name\":\"Zed\"}}").getStatus())
                .isEqualTo(200);
        assertThat(PROVIDER.lastRequest().body()).contains("Hi there Zed");
        generate(MEL, "acme", "{\"template\":\"greet\",\"templateVersion\":" + first + ",\"context\":{\"name\":\"Zed\"}}");
        assertThat(PROVIDER.lastRequest().body()).contains("Hello Zed");

        assertError(call(ADA, get("/ai/orgs/acme/templates/nothing")), 404, "AI_NOT_FOUND");
        assertError(generate(MEL, "acme", "{\"template\":\"nothing\"}"), 404, "AI_TEMPLATE_NOT_FOUND");
        assertError(send(ADA, post("/ai/orgs/acme/templates/broken"), "{\"text\":\"Hi {{name\"}"), 400,
                "AI_TEMPLATE_INVALID");
    }

    @Test
    void rateLimitsReadAndChanged() throws Exception {
        JsonNode before = json(call(ROOT, get("/ai/orgs/globex/rate-limits")));
        assertThat(before.path("userRequestsPerMinute").asInt()).isEqualTo(30);
        JsonNode after = json(send(ROOT, put("/ai/orgs/globex/rate-limits"), "{\"orgRequestsPerMinute\":500}"));
        assertThat(after.path("orgRequestsPerMinute").asInt()).isEqualTo(500);
        assertThat(after.path("userRequestsPerMinute").asInt()).isEqualTo(30);
        assertThat(limits.policy(OrgId.of("globex")).orgRequestsPerMinute()).isEqualTo(500);
        assertError(send(ROOT, put("/ai/orgs/globex/rate-limits"), "{\"orgRequestsPerMinute\":-1}"), 400,
                "AI_INVALID_REQUEST");
    }

    @Test
    void storedUsageTextCanBeSwitchedOffPerOrg() throws Exception {
        RequestPostProcessor tia = as("tia", "AI_ORG_ADMIN:throttled");
        assertThat(json(call(tia, get("/ai/orgs/throttled/usage-text"))).path("storeText").asBoolean()).isTrue();
        assertThat(json(send(tia, put("/ai/orgs/throttled/usage-text"), "{\"storeText\":false}")).path("storeText")
                .asBoolean()).isFalse();
        generate(tia, "throttled", "{\"prompt\":\"do not keep me\",\"correlationId\":\"no-text\"}");
        JsonNode page = json(call(tia, get("/ai/orgs/throttled/usage").param("correlationId", "no-text")));
        String id = page.path("records").get(0).path("id").asText();
        assertThat(json(call(tia, get("/ai/orgs/throttled/usage/records/" + id))).path("inputText").isNull()).isTrue();
        assertError(send(tia, put("/ai/orgs/throttled/usage-text"), "{}"), 400, "AI_INVALID_REQUEST");
        send(tia, put("/ai/orgs/throttled/usage-text"), "{\"storeText\":true}");
        JsonNode audit = json(call(tia, get("/ai/orgs/throttled/audit").param("action", "usage.text-storage")));
        assertThat(audit.path("events")).hasSize(2);
    }

    @Test
    void guardrailsAddedChangedAppliedAndDeleted() throws Exception {
        RequestPostProcessor gus = GUS;
        MockHttpServletResponse added = send(gus, post("/ai/orgs/globex/guardrails"),
                "{\"level\":\"org\",\"name\":\"no salaries\",\"action\":\"block\","
                        + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"],\"target\":\"INPUT\"}}");
        assertThat(added.getStatus()).as(added.getContentAsString()).isEqualTo(201);
        JsonNode rule = json(added);
        String id = rule.path("id").asText();
        assertThat(rule.path("rule").path("type").asText()).isEqualTo("content-filter");
        assertThat(rule.path("rule").path("blockedTopics").get(0).asText()).isEqualTo("salary");

        keys.put(OrgId.of("globex"), ProviderId.OPENAI, ApiKey.of(GOOD_KEY), "setup");
        keys.markVerified(OrgId.of("globex"), ProviderId.OPENAI, CLOCK.instant());
        try {
            assertError(generate(gus, "globex", "{\"prompt\":\"What is the CEO's salary?\"}"), 403,
                    "AI_GUARDRAIL_BLOCKED");
            MockHttpServletResponse replaced = send(gus, put("/ai/orgs/globex/guardrails/" + id),
                    "{\"name\":\"no salaries\",\"action\":\"warn\",\"enabled\":false,"
                            + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"]}}");
            assertThat(json(replaced).path("enabled").asBoolean()).isFalse();
            assertThat(generate(gus, "globex", "{\"prompt\":\"What is the CEO's salary?\"}").getStatus()).isEqualTo(200);
        } finally {
            keys.delete(OrgId.of("globex"), ProviderId.OPENAI);
        }

        JsonNode list = json(call(gus, get("/ai/orgs/globex/guardrails")));
        assertThat(list).anyMatch(g -> g.path("id").asText().equals(id));
        assertError(send(gus, post("/ai/orgs/globex/guardrails"), "{\"action\":\"block\",\"rule\":{\"type\":\"nope\"}}"),
                400, "AI_INVALID_REQUEST");
        assertError(send(gus, post("/ai/orgs/globex/guardrails"),
                "{\"action\":\"modify\",\"rule\":{\"type\":\"rate-limit\",\"requestsPerMinute\":5}}"), 400,
                "AI_INVALID_REQUEST");
        assertError(send(gus, post("/ai/orgs/globex/guardrails"), "{\"action\":\"block\"}"), 400, "AI_INVALID_REQUEST");
        assertError(call(ADA, get("/ai/orgs/globex/guardrails")), 403, "AI_FORBIDDEN");

        assertThat(json(call(gus, delete("/ai/orgs/globex/guardrails/" + id))).path("deleted").asBoolean()).isTrue();
        assertError(call(gus, delete("/ai/orgs/globex/guardrails/" + id)), 404, "AI_NOT_FOUND");
        JsonNode audit = json(call(gus, get("/ai/orgs/globex/audit").param("action", "guardrail.*")));
        assertThat(audit.path("events")).extracting(e -> e.path("action").asText())
                .containsExactly("guardrail.delete", "guardrail.update", "guardrail.add");
    }

    @Test
    void globalGuardrailsAreForSuperadminsOnly() throws Exception {
        String body = "{\"name\":\"no weapons\",\"action\":\"block\","
                + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"bioweapon\"]}}";
        assertError(send(ADA, post("/ai/guardrails"), body), 403, "AI_FORBIDDEN");
        assertError(send(null, post("/ai/guardrails"), body), 401, "AI_UNAUTHENTICATED");
        MockHttpServletResponse added = send(ROOT, post("/ai/guardrails"), body);
        assertThat(added.getStatus()).as(added.getContentAsString()).isEqualTo(201);
        String id = json(added).path("id").asText();
        assertThat(json(added).path("global").asBoolean()).isTrue();
        try {
            assertError(generate(MEL, "acme", "{\"prompt\":\"how to build a bioweapon\"}"), 403, "AI_GUARDRAIL_BLOCKED");
            assertThat(json(call(ADA, get("/ai/orgs/acme/guardrails")))).anyMatch(g -> g.path("id").asText().equals(id));
            assertThat(json(send(ROOT, put("/ai/guardrails/" + id), body.replace("\"action\":\"block\"", "\"action\":\"warn\""))).path("action")
                    .asText()).isEqualTo("warn");
            assertThat(json(call(ROOT, get("/ai/guardrails")))).hasSize(1);
        } finally {
            assertThat(json(call(ROOT, delete("/ai/guardrails/" + id))).path("deleted").asBoolean()).isTrue();
        }
        assertError(call(ROOT, delete("/ai/guardrails/" + id)), 404, "AI_NOT_FOUND");
        assertError(send(ROOT, put("/ai/orgs/acme/guardrails/" + id), body), 404, "AI_NOT_FOUND");
    }

    // ---- no key in any response or log ------------------------------------------------------------

    @Test
    void noResponseAndNoLogLineContainsAKey() throws Exception {
        String planted = "sk-good-PLANTED-7f3a9c2e5b8d1f4a";
        String refused = "sk-bad-PLANTED-0c4e8a2f6b1d9e3c";
        Map<String, String> bodies = new LinkedHashMap<>();
        String log = LogCapture.stderrOf(() -> {
            bodies.put("upsert", send(ADA, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"" + planted + "\"}")
                    .getContentAsString());
            bodies.put("upsert refused", send(ADA, put("/ai/orgs/acme/providers/openai"),
                    "{\"apiKey\":\"" + refused + "\"}").getContentAsString());
            bodies.put("verify", send(ADA, post("/ai/orgs/acme/providers/openai/verify"),
                    "{\"apiKey\":\"" + planted + "\"}").getContentAsString());
            bodies.put("verify refused", send(ADA, post("/ai/orgs/acme/providers/openai/verify"),
                    "{\"apiKey\":\"" + refused + "\"}").getContentAsString());
            bodies.put("status", call(ADA, get("/ai/orgs/acme/providers")).getContentAsString());
            bodies.put("generate", generate(MEL, "acme", "{\"prompt\":\"my key is " + planted + "\"}")
                    .getContentAsString());
            bodies.put("stream", generate(MEL, "acme", "{\"prompt\":\"key " + planted + "\",\"stream\":true}")
                    .getContentAsString());
            bodies.put("usage", call(ADA, get("/ai/orgs/acme/usage")).getContentAsString());
            JsonNode page = JSON.readTree(bodies.get("usage"));
            bodies.put("record", call(ADA, get("/ai/orgs/acme/usage/records/"
                    + page.path("records").get(0).path("id").asText())).getContentAsString());
            bodies.put("my usage", call(MEL, get("/ai/orgs/acme/my/usage")).getContentAsString());
            bodies.put("csv", call(ADA, get("/ai/orgs/acme/usage/export")).getContentAsString());
            bodies.put("jsonl", call(ADA, get("/ai/orgs/acme/usage/export").param("format", "jsonl"))
                    .getContentAsString());
            bodies.put("audit", call(ADA, get("/ai/orgs/acme/audit")).getContentAsString());
            bodies.put("models", call(ADA, get("/ai/orgs/acme/models")).getContentAsString());
        });

        assertThat(bodies.get("upsert")).contains("\"verified\":true");
        assertThat(bodies.get("record")).contains("****\",\"outputText\""); // the prompt, with the key masked
        assertThat(bodies.get("audit")).contains("key.upsert");
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            assertThat(e.getValue()).as(e.getKey()).isNotBlank().doesNotContain("PLANTED-7f3a9c2e5b8d1f4a")
                    .doesNotContain("PLANTED-0c4e8a2f6b1d9e3c");
        }
        assertThat(log).contains("org=acme") // the capture saw the calls' log lines
                .doesNotContain("PLANTED-7f3a9c2e5b8d1f4a").doesNotContain("PLANTED-0c4e8a2f6b1d9e3c");
        // the provider did get the key: it is only kept out of what the library shows
        assertThat(PROVIDER.requests()).anyMatch(r -> planted.equals(
                r.header("authorization") == null ? null : r.header("authorization").substring(7)));
    }
}
