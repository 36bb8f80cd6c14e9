package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.ADA;
import static dev.aitenancy.spring.AdminMvc.GUS;
import static dev.aitenancy.spring.AdminMvc.JSON;
import static dev.aitenancy.spring.AdminMvc.ROOT;
import static dev.aitenancy.spring.AdminMvc.as;
import static dev.aitenancy.spring.AdminMvc.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageSummaries;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.context.WebApplicationContext;

/**
 * Every admin endpoint through MockMvc, in one real Spring web context with Spring Security (in
 * memory; the provider is OpenAI's wire format on a loopback server).
 */
@EndpointTest(AdminEndpointsTest.Config.class)
class AdminEndpointsTest {

    @AutoClose
    static final LoopbackServer PROVIDER = FakeOpenAi.start();
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    static final String GOOD_KEY = "sk-good-acme-0000000000001234";

    /** A member of acme and of limited. */
    static final RequestPostProcessor MEL = as("mel", "AI_ORG_MEMBER:acme", "AI_ORG_MEMBER:limited");

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme", "globex", "limited", "throttled");
        }
    }

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

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
        CLOCK.advance(java.time.Duration.ofMinutes(1)); // each test in a minute of its own: fresh rate limits
        for (String org : List.of("acme", "limited", "globex", "throttled")) {
            TestApp.setUpOrg(models, keys, org, org.equals("globex") ? null : GOOD_KEY, CLOCK.instant());
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static void assertError(MockHttpServletResponse r, int status, String code) throws Exception {
        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(status);
        assertThat(json(r).path("code").asText()).isEqualTo(code);
        assertThat(json(r).path("message").asText()).isNotBlank();
    }

    MockHttpServletResponse generate(RequestPostProcessor who, String org, String body) throws Exception {
        return mvc.send(who, post("/ai/orgs/" + org + "/generate"), body);
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
        MockHttpServletResponse r = mvc.call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", "req-42")
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
        MockHttpServletResponse r = mvc.call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", tooLong)
                .contentType(MediaType.APPLICATION_JSON).content("{\"prompt\":\"hi\"}"));
        assertError(r, 400, "AI_INVALID_REQUEST");
        assertThat(json(r).path("message").asText()).contains("correlation id", "at most 128");
        assertThat(r.getHeader("x-correlation-id")).isNull();
        assertError(generate(MEL, "acme", "{\"prompt\":\"hi\",\"feature\":\"" + "f".repeat(129) + "\"}"), 400,
                "AI_INVALID_REQUEST");
        MockHttpServletResponse control = mvc.call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", "a\u0007b")
                .contentType(MediaType.APPLICATION_JSON).content("{\"prompt\":\"hi\"}"));
        assertThat(control.getStatus()).as(control.getContentAsString()).isEqualTo(400);
        assertThat(control.getHeader("x-correlation-id")).isNull();

        MockHttpServletResponse next = mvc.call(MEL, post("/ai/orgs/acme/generate").header("x-correlation-id", "after-poison")
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
        assertError(mvc.call(MEL, post("/ai/orgs/acme/generate")), 400, "AI_INVALID_REQUEST");
        assertError(generate(MEL, "acme", "{\"prompt\":\"Hi {{who}}\"}"), 400, "AI_TEMPLATE_MISSING_VARIABLE");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/providers/openai"), "{}"), 400, "AI_INVALID_REQUEST");
    }

    // ---- authorization ----------------------------------------------------------------------------

    @Test
    void nobodySignedInIs401() throws Exception {
        assertError(mvc.call(null, get("/ai/orgs/acme/providers")), 401, "AI_UNAUTHENTICATED");
        assertError(generate(null, "acme", "{\"prompt\":\"hi\"}"), 401, "AI_UNAUTHENTICATED");
    }

    @Test
    void aMemberMayNotUseAdminEndpoints() throws Exception {
        assertError(mvc.call(MEL, get("/ai/orgs/acme/providers")), 403, "AI_FORBIDDEN");
        assertError(mvc.call(MEL, get("/ai/orgs/acme/usage")), 403, "AI_FORBIDDEN");
        assertError(mvc.call(MEL, delete("/ai/orgs/acme/usage")), 403, "AI_FORBIDDEN");
        assertError(mvc.send(MEL, put("/ai/orgs/acme/models/openai/gpt-4.1-nano"), "{}"), 403, "AI_FORBIDDEN");
        assertError(mvc.call(MEL, get("/ai/orgs/acme/audit")), 403, "AI_FORBIDDEN");
        assertError(generate(MEL, "globex", "{\"prompt\":\"hi\"}"), 403, "AI_FORBIDDEN");
    }

    @Test
    void anAdminOfOneOrgMayNotTouchAnother() throws Exception {
        assertError(mvc.call(GUS, get("/ai/orgs/acme/providers")), 403, "AI_FORBIDDEN");
        assertError(mvc.send(GUS, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"" + GOOD_KEY + "\"}"), 403,
                "AI_FORBIDDEN");
        assertError(mvc.call(GUS, get("/ai/orgs/acme/my/usage")), 403, "AI_FORBIDDEN");
        assertThat(mvc.call(GUS, get("/ai/orgs/globex/providers")).getStatus()).isEqualTo(200);
    }

    @Test
    void anUnknownOrgIs404ForASuperadminAnd403ForOthers() throws Exception {
        assertError(mvc.call(ROOT, get("/ai/orgs/nope/models")), 404, "AI_NOT_FOUND");
        assertError(mvc.call(ADA, get("/ai/orgs/nope/models")), 403, "AI_FORBIDDEN");
        assertThat(mvc.call(ROOT, get("/ai/orgs/globex/models")).getStatus()).isEqualTo(200);
    }

    @Test
    void stateChangingRequestsNeedSpringSecuritysCsrfToken() throws Exception {
        MockHttpServletResponse r = mvc.mockMvc().perform(put("/ai/orgs/acme/features/chat").with(ADA)
                .contentType(MediaType.APPLICATION_JSON).content("{\"enabled\":false}")).andReturn().getResponse();
        assertThat(r.getStatus()).isEqualTo(403);
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/features"))).has("chat")).isFalse();
    }

    // ---- providers --------------------------------------------------------------------------------

    @Test
    void providersStatusUpsertVerifyAndDelete() throws Exception {
        MockHttpServletResponse upsert = mvc.send(ADA, put("/ai/orgs/acme/providers/openai"),
                "{\"apiKey\":\"sk-good-new-key-000000005678\"}");
        assertThat(upsert.getStatus()).as(upsert.getContentAsString()).isEqualTo(200);
        assertThat(json(upsert).path("maskedKey").asText()).endsWith("5678").doesNotContain("sk-good");
        assertThat(json(upsert).path("verified").asBoolean()).isTrue();
        assertThat(json(upsert).path("createdBy").asText()).isEqualTo("ada");

        JsonNode status = json(mvc.call(ADA, get("/ai/orgs/acme/providers")));
        assertThat(status).hasSize(1);
        assertThat(status.get(0).path("provider").asText()).isEqualTo("openai");
        assertThat(status.get(0).path("defaultModel").asText()).isEqualTo("gpt-4.1-mini");

        assertError(mvc.send(ADA, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"sk-bad-000000000000\"}"), 422,
                "AI_PROVIDER_AUTH");
        assertThat(keys.get(OrgId.of("acme"), ProviderId.OPENAI)).contains(ApiKey.of("sk-good-new-key-000000005678"));

        MockHttpServletResponse verify = mvc.send(ADA, post("/ai/orgs/acme/providers/openai/verify"),
                "{\"apiKey\":\"" + GOOD_KEY + "\"}");
        assertThat(json(verify).path("valid").asBoolean()).isTrue();

        MockHttpServletResponse deleted = mvc.call(ADA, delete("/ai/orgs/acme/providers/openai"));
        assertThat(json(deleted).path("deleted").asBoolean()).isTrue();
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/providers")))).isEmpty();
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/models"))).has("openai")).isFalse();
    }

    @Test
    void theStoredKeyIsCheckedAgainAndItsLastVerifiedTimeMoves() throws Exception {
        mvc.send(ADA, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"" + GOOD_KEY + "\"}");
        String first = json(mvc.call(ADA, get("/ai/orgs/acme/providers"))).get(0).path("lastVerifiedAt").asText();
        CLOCK.advance(java.time.Duration.ofMinutes(5));
        MockHttpServletResponse again = mvc.call(ADA, post("/ai/orgs/acme/providers/openai/reverify"));
        assertThat(again.getStatus()).as(again.getContentAsString()).isEqualTo(200);
        assertThat(json(again).path("lastVerifiedAt").asText()).isNotEqualTo(first)
                .isEqualTo(Instant.parse(first).plus(java.time.Duration.ofMinutes(5)).toString());
        assertThat(json(again).path("maskedKey").asText()).endsWith("1234");
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/audit").param("action", "key.verify"))).path("events").get(0)
                .path("detail").asText()).startsWith("stored key accepted");

        assertError(mvc.call(ADA, post("/ai/orgs/acme/providers/anthropic/reverify")),
                404, "AI_NOT_FOUND");
        assertError(mvc.call(MEL, post("/ai/orgs/acme/providers/openai/reverify")),
                403, "AI_FORBIDDEN");
    }

    @Test
    void keyChecksAreRateLimitedPerAdmin() throws Exception {
        RequestPostProcessor vic = as("vic", "AI_ORG_ADMIN:acme");
        int limit = limits.policy(OrgId.of("acme")).userKeyChecksPerMinute();
        for (int i = 0; i < limit; i++) {
            assertError(mvc.send(vic, post("/ai/orgs/acme/providers/openai/verify"), "{\"apiKey\":\"sk-bad-" + i + "\"}"),
                    422, "AI_PROVIDER_AUTH");
        }
        MockHttpServletResponse refused = mvc.send(vic, post("/ai/orgs/acme/providers/openai/verify"),
                "{\"apiKey\":\"" + GOOD_KEY + "\"}");
        assertError(refused, 429, "AI_RATE_LIMITED");
        assertThat(refused.getHeader("Retry-After")).isNotNull();
    }

    // ---- models -----------------------------------------------------------------------------------

    @Test
    void modelsListedByProviderClampedDefaultedAndRemoved() throws Exception {
        MockHttpServletResponse added = mvc.send(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-nano"),
                "{\"maxOutputTokens\":100000000,\"label\":\"Nano\"}");
        assertThat(added.getStatus()).as(added.getContentAsString()).isEqualTo(200);
        int cap = json(added).path("maxOutputTokens").asInt();
        assertThat(cap).isPositive().isLessThan(100_000_000);
        assertThat(json(added).path("label").asText()).isEqualTo("Nano");

        JsonNode list = json(mvc.call(ADA, get("/ai/orgs/acme/models")));
        assertThat(list.path("openai")).extracting(n -> n.path("model").asText())
                .containsExactly("gpt-4.1-mini", "gpt-4.1-nano");

        assertError(mvc.call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-mini")), 409, "AI_CONFIG_INVALID");
        assertThat(json(mvc.call(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-nano/default"))).path("default")
                .asBoolean()).isTrue();
        assertThat(mvc.call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-mini")).getStatus()).isEqualTo(200);
        assertError(mvc.call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-mini")), 404, "AI_NOT_FOUND");
        assertError(mvc.call(ADA, put("/ai/orgs/acme/models/openai/not-allowed/default")), 403, "AI_MODEL_NOT_ALLOWED");

        assertThat(mvc.send(ADA, put("/ai/orgs/acme/default-provider"), "{\"provider\":\"openai\"}").getStatus())
                .isEqualTo(200);
        assertThat(mvc.send(ADA, put("/ai/orgs/acme/feature-preferences/summaries"),
                "{\"provider\":\"openai\",\"model\":\"gpt-4.1-nano\",\"maxOutputTokens\":50}").getStatus()).isEqualTo(200);
        JsonNode prefs = json(mvc.call(ADA, get("/ai/orgs/acme/feature-preferences")));
        assertThat(prefs).singleElement().satisfies(p -> {
            assertThat(p.path("feature").asText()).isEqualTo("summaries");
            assertThat(p.path("model").asText()).isEqualTo("gpt-4.1-nano");
            assertThat(p.path("maxOutputTokens").asInt()).isEqualTo(50);
        });
        assertError(mvc.call(MEL, get("/ai/orgs/acme/feature-preferences")), 403, "AI_FORBIDDEN");
        assertThat(mvc.call(ADA, put("/ai/orgs/acme/denied-models/openai/gpt-4.1-nano")).getStatus()).isEqualTo(200);
        assertError(generate(MEL, "acme", "{\"prompt\":\"hi\",\"model\":\"gpt-4.1-nano\"}"), 403, "AI_MODEL_NOT_ALLOWED");
        JsonNode access = json(mvc.call(ADA, get("/ai/orgs/acme/model-access")));
        assertThat(access.path("defaultProvider").asText()).isEqualTo("openai");
        assertThat(access.path("deniedModels")).extracting(JsonNode::asText).containsExactly("openai/gpt-4.1-nano");
        assertThat(access.path("tiers").isArray()).isTrue();
        assertThat(access.path("groupTiers").isObject()).isTrue();
        assertThat(access.path("userTiers").isObject()).isTrue();
        assertError(mvc.call(MEL, get("/ai/orgs/acme/model-access")), 403, "AI_FORBIDDEN");
        assertThat(mvc.call(ADA, delete("/ai/orgs/acme/denied-models/openai/gpt-4.1-nano")).getStatus()).isEqualTo(200);
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/model-access"))).path("deniedModels")).isEmpty();

        assertThat(json(mvc.send(ADA, put("/ai/orgs/acme/fallbacks"), "{\"models\":[\"openai/gpt-4.1-nano\"]}"))
                .path("fallbacks").get(0).asText()).isEqualTo("openai/gpt-4.1-nano");
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/fallbacks"))).path("fallbacks"))
                .extracting(JsonNode::asText).containsExactly("openai/gpt-4.1-nano");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/fallbacks"), "{\"models\":[\"gpt-4.1-nano\"]}"), 400, "AI_INVALID_REQUEST");
        assertThat(mvc.send(ADA, put("/ai/orgs/acme/fallbacks"), "{\"models\":[]}").getStatus()).isEqualTo(200);

        // put acme back as the other tests expect it
        mvc.call(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-mini"));
        mvc.call(ADA, put("/ai/orgs/acme/models/openai/gpt-4.1-mini/default"));
        mvc.call(ADA, delete("/ai/orgs/acme/models/openai/gpt-4.1-nano"));
    }

    // ---- usage ------------------------------------------------------------------------------------

    @Test
    void usageRecordsWithFiltersPagesTotalsAndOneRecord() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"usage one\",\"feature\":\"usage-test\"}");
        generate(ADA, "acme", "{\"prompt\":\"usage two\",\"feature\":\"usage-test\"}");
        generate(MEL, "acme", "{\"prompt\":\"usage three\",\"feature\":\"usage-test\"}");

        JsonNode first = json(mvc.call(ADA, get("/ai/orgs/acme/usage").param("feature", "usage-test").param("pageSize", "2")));
        assertThat(first.path("records")).hasSize(2);
        assertThat(first.path("records").get(0).has("inputText")).isFalse();
        String cursor = first.path("nextCursor").asText();
        assertThat(cursor).isNotBlank();
        JsonNode second = json(mvc.call(ADA, get("/ai/orgs/acme/usage").param("feature", "usage-test")
                .param("pageSize", "2").param("cursor", cursor)));
        assertThat(second.path("records")).hasSize(1);
        assertThat(second.path("nextCursor").isNull()).isTrue();

        JsonNode mine = json(mvc.call(ADA, get("/ai/orgs/acme/usage").param("feature", "usage-test").param("user", "mel")
                .param("status", "ok").param("provider", "openai").param("model", "gpt-4.1-mini")
                .param("from", "2026-11-25").param("to", "2026-11-26").param("text", "usage")));
        assertThat(mine.path("records")).hasSize(2).allMatch(n -> n.path("userId").asText().equals("mel"));

        JsonNode totals = json(mvc.call(ADA, get("/ai/orgs/acme/usage/totals").param("feature", "usage-test")));
        assertThat(totals.path("requests").asLong()).isEqualTo(3);
        assertThat(totals.path("outputTokens").asLong()).isEqualTo(9);

        String id = first.path("records").get(0).path("id").asText();
        JsonNode one = json(mvc.call(ADA, get("/ai/orgs/acme/usage/records/" + id)));
        assertThat(one.path("id").asText()).isEqualTo(id);
        assertThat(one.path("inputText").asText()).contains("usage");
        assertError(mvc.call(ADA, get("/ai/orgs/acme/usage/records/" + java.util.UUID.randomUUID())), 404, "AI_NOT_FOUND");
        assertError(mvc.call(ADA, get("/ai/orgs/acme/usage/records/not-a-uuid")), 400, "AI_INVALID_REQUEST");
        assertError(mvc.call(ADA, get("/ai/orgs/acme/usage").param("status", "weird")), 400, "AI_INVALID_REQUEST");
        assertError(mvc.call(ADA, get("/ai/orgs/acme/usage").param("from", "yesterday")), 400, "AI_INVALID_REQUEST");
    }

    @Test
    void myUsageShowsOnlyTheCallersOwnRecords() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"mine\",\"feature\":\"my-test\"}");
        generate(ADA, "acme", "{\"prompt\":\"not mine\",\"feature\":\"my-test\"}");

        JsonNode mine = json(mvc.call(MEL, get("/ai/orgs/acme/my/usage").param("feature", "my-test").param("user", "ada")));
        assertThat(mine.path("records")).hasSize(1);
        assertThat(mine.path("records").get(0).path("userId").asText()).isEqualTo("mel");
        assertThat(json(mvc.call(MEL, get("/ai/orgs/acme/my/usage/totals").param("feature", "my-test")))
                .path("requests").asLong()).isEqualTo(1);

        JsonNode adas = json(mvc.call(ADA, get("/ai/orgs/acme/usage").param("feature", "my-test").param("user", "ada")));
        String adasRecord = adas.path("records").get(0).path("id").asText();
        assertError(mvc.call(MEL, get("/ai/orgs/acme/my/usage/records/" + adasRecord)), 404, "AI_NOT_FOUND");
        String melsRecord = mine.path("records").get(0).path("id").asText();
        assertThat(json(mvc.call(MEL, get("/ai/orgs/acme/my/usage/records/" + melsRecord))).path("inputText").asText())
                .isEqualTo("mine");
    }

    @Test
    void aMemberReadsTheDailySummariesOfTheirOwnCallsOnly() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"mine, by day\"}");
        generate(ADA, "acme", "{\"prompt\":\"the admin's, by day\"}");
        summaries.summarize(LocalDate.ofInstant(CLOCK.instant(), java.time.ZoneOffset.UTC));
        String day = LocalDate.ofInstant(CLOCK.instant(), java.time.ZoneOffset.UTC).toString();

        JsonNode all = json(mvc.call(ADA, get("/ai/orgs/acme/usage/daily").param("from", day).param("to", day)));
        assertThat(all.findValuesAsText("userId")).contains("mel", "ada");
        JsonNode mine = json(mvc.call(MEL, get("/ai/orgs/acme/my/usage/daily").param("from", day).param("to", day)));
        assertThat(mine).isNotEmpty();
        assertThat(mine.findValuesAsText("userId")).containsOnly("mel");
        assertThat(mine.get(0).path("day").asText()).isEqualTo(day);
        assertError(mvc.call(MEL, get("/ai/orgs/acme/usage/daily")), 403, "AI_FORBIDDEN");
        assertError(mvc.call(MEL, get("/ai/orgs/acme/my/usage/daily").param("from", "yesterday")), 400, "AI_INVALID_REQUEST");
    }

    @Test
    void dailySummariesExportAndPurge() throws Exception {
        generate(MEL, "limited", "{\"prompt\":\"export me, \\\"quoted\\\"\"}");
        summaries.summarize(LocalDate.of(2026, 11, 25));
        RequestPostProcessor rootish = ROOT;

        JsonNode daily = json(mvc.call(rootish, get("/ai/orgs/limited/usage/daily").param("from", "2026-11-25")
                .param("to", "2026-11-25")));
        assertThat(daily).isNotEmpty();
        assertThat(daily.get(0).path("day").asText()).isEqualTo("2026-11-25");

        MockHttpServletResponse csv = mvc.call(rootish, get("/ai/orgs/limited/usage/export").param("format", "csv"));
        assertThat(csv.getStatus()).isEqualTo(200);
        assertThat(csv.getContentType()).startsWith("text/csv");
        String text = csv.getContentAsString(StandardCharsets.UTF_8);
        assertThat(text.lines().count()).isGreaterThanOrEqualTo(2);
        assertThat(text).contains("export me");

        MockHttpServletResponse jsonl = mvc.call(rootish, get("/ai/orgs/limited/usage/export").param("format", "jsonl"));
        assertThat(jsonl.getContentType()).startsWith("application/x-ndjson");
        for (String line : jsonl.getContentAsString(StandardCharsets.UTF_8).split("\n")) {
            assertThat(JSON.readTree(line).toString()).contains("limited");
        }
        assertError(mvc.call(rootish, get("/ai/orgs/limited/usage/export").param("format", "xml")), 400, "AI_INVALID_REQUEST");

        // the default cutoff is the retention period: today's records stay
        assertThat(json(mvc.call(rootish, delete("/ai/orgs/limited/usage"))).path("purged").asLong()).isZero();
        long purged = json(mvc.call(rootish, delete("/ai/orgs/limited/usage").param("before", "2026-11-26")))
                .path("purged").asLong();
        assertThat(purged).isPositive();
        assertThat(json(mvc.call(rootish, get("/ai/orgs/limited/usage"))).path("records")).isEmpty();
        JsonNode audit = json(mvc.call(rootish, get("/ai/orgs/limited/audit").param("action", "usage.purge")));
        assertThat(audit.path("events")).isNotEmpty();
        assertThat(audit.path("events").get(0).path("actor").asText()).isEqualTo("root");
    }

    @Test
    void pricingReportAndAuditLog() throws Exception {
        generate(MEL, "acme", "{\"prompt\":\"priced\"}");
        JsonNode pricing = json(mvc.call(ADA, get("/ai/orgs/acme/usage/pricing").param("from", "2026-11-25")
                .param("to", "2026-11-26").param("zone", "Europe/Berlin")));
        assertThat(pricing.path("total").path("requests").asLong()).isPositive();
        assertThat(pricing.path("byHour")).hasSize(24);
        assertThat(pricing.path("zone").asText()).isEqualTo("Europe/Berlin");
        assertError(mvc.call(ADA, get("/ai/orgs/acme/usage/pricing").param("zone", "Mars/Base")), 400, "AI_INVALID_REQUEST");

        mvc.send(ADA, put("/ai/orgs/acme/features/audited"), "{\"enabled\":true}");
        JsonNode audit = json(mvc.call(ADA, get("/ai/orgs/acme/audit").param("action", "feature.*").param("limit", "1")));
        assertThat(audit.path("events")).hasSize(1);
        assertThat(audit.path("events").get(0).path("actor").asText()).isEqualTo("ada");
    }

    // ---- governance -------------------------------------------------------------------------------

    @Test
    void featureFlagsSwitchGenerateOff() throws Exception {
        assertThat(json(mvc.send(ADA, put("/ai/orgs/acme/features/drafts"), "{\"enabled\":false}")).path("enabled")
                .asBoolean()).isFalse();
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/features"))).path("drafts").asBoolean()).isFalse();
        assertError(generate(MEL, "acme", "{\"prompt\":\"hi\",\"feature\":\"drafts\"}"), 403, "AI_FEATURE_DISABLED");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/features/drafts"), "{}"), 400, "AI_INVALID_REQUEST");
        mvc.send(ADA, put("/ai/orgs/acme/features/drafts"), "{\"enabled\":true}");
        assertThat(generate(MEL, "acme", "{\"prompt\":\"hi\",\"feature\":\"drafts\"}").getStatus()).isEqualTo(200);
    }

    @Test
    void tiersAndTierAccess() throws Exception {
        JsonNode tiers = json(mvc.call(ADA, get("/ai/orgs/acme/tiers")));
        assertThat(tiers).extracting(n -> n.path("name").asText()).containsExactly("basic", "standard", "premium");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/tiers"), "{\"tiers\":[\"platinum\"]}"), 409, "AI_CONFIG_INVALID");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/tiers"), "{}"), 400, "AI_INVALID_REQUEST");
        assertThat(mvc.send(ADA, put("/ai/orgs/acme/tiers/groups/support"), "{\"tiers\":[\"basic\"]}").getStatus())
                .isEqualTo(200);
        assertThat(mvc.send(ADA, put("/ai/orgs/acme/tiers/users/mel"), "{\"tiers\":null}").getStatus()).isEqualTo(200);
        assertThat(mvc.send(ADA, put("/ai/orgs/acme/tiers"), "{\"tiers\":[]}").getStatus()).isEqualTo(200);
        mvc.send(ADA, put("/ai/orgs/acme/tiers/groups/support"), "{\"tiers\":null}");
    }

    @Test
    void budgetsListAndChange() throws Exception {
        MockHttpServletResponse set = mvc.send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"user\",\"subject\":\"mel\",\"period\":\"monthly\",\"limitUsd\":20,\"hard\":true}");
        assertThat(set.getStatus()).as(set.getContentAsString()).isEqualTo(200);
        JsonNode list = json(mvc.call(ADA, get("/ai/orgs/acme/budgets")));
        assertThat(list).anyMatch(b -> b.path("subject").asText().equals("mel")
                && b.path("period").asText().equals("MONTHLY") && b.path("limitUsd").decimalValue().intValue() == 20);
        assertError(mvc.send(ADA, put("/ai/orgs/acme/budgets"), "{\"scope\":\"planet\",\"period\":\"monthly\",\"limitUsd\":1}"),
                400, "AI_INVALID_REQUEST");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/budgets"), "{\"scope\":\"org\",\"period\":\"daily\"}"), 400,
                "AI_INVALID_REQUEST");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/budgets"), "{\"scope\":\"user\",\"period\":\"daily\",\"limitUsd\":1}"),
                400, "AI_INVALID_REQUEST");

        assertError(mvc.call(MEL, delete("/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly")), 403,
                "AI_FORBIDDEN");
        assertError(mvc.call(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=mel")), 400, "AI_INVALID_REQUEST");
        assertThat(mvc.call(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly")).getStatus())
                .isEqualTo(200);
        assertError(mvc.call(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=mel&period=monthly")), 404,
                "AI_NOT_FOUND");
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/budgets"))))
                .noneMatch(b -> b.path("subject").asText().equals("mel") && b.path("period").asText().equals("MONTHLY"));
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/audit?action=budget.remove"))).path("events"))
                .singleElement().satisfies(e -> assertThat(e.path("target").asText()).isEqualTo("user mel monthly"));
    }

    @Test
    void aBudgetCanAllowUnpricedModelsAndTheChangeIsAudited() throws Exception {
        MockHttpServletResponse set = mvc.send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"org\",\"period\":\"weekly\",\"limitUsd\":50,\"allowUnpriced\":true}");
        JsonNode listed = json(mvc.call(ADA, get("/ai/orgs/acme/budgets")));
        MockHttpServletResponse notBoolean = mvc.send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"org\",\"period\":\"weekly\",\"limitUsd\":50,\"allowUnpriced\":\"yes\"}");
        MockHttpServletResponse withoutIt = mvc.send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"org\",\"period\":\"weekly\",\"limitUsd\":50}");

        assertThat(set.getStatus()).as(set.getContentAsString()).isEqualTo(200);
        assertThat(json(set).path("allowUnpriced").asBoolean()).isTrue();
        assertThat(listed).filteredOn(b -> b.path("period").asText().equals("WEEKLY")).singleElement()
                .satisfies(b -> assertThat(b.path("allowUnpriced").asBoolean()).isTrue());
        assertError(notBoolean, 400, "AI_INVALID_REQUEST");
        assertThat(json(withoutIt).path("allowUnpriced").asBoolean()).as("a PUT replaces: false unless given").isFalse();
        assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/audit?action=budget.set"))).path("events"))
                .extracting(e -> e.path("detail").asText()).containsSubsequence(
                        "50 USD, hard, alert at 0.8, UTC",
                        "50 USD, hard, alert at 0.8, UTC, unpriced models allowed");
        mvc.call(ADA, delete("/ai/orgs/acme/budgets?scope=org&period=weekly"));
    }

    @Test
    void templatesAreVersionedAndRunByName() throws Exception {
        MockHttpServletResponse v1 = mvc.send(ADA, post("/ai/orgs/acme/templates/greet"), "{\"text\":\"Hello {{name}}\"}");
        assertThat(v1.getStatus()).isEqualTo(201);
        int first = json(v1).path("version").asInt();
        mvc.send(ADA, post("/ai/orgs/acme/templates/greet"), "{\"text\":\"Hi there {{name}}\"}");
        JsonNode versions = json(mvc.call(ADA, get("/ai/orgs/acme/templates/greet")));
        assertThat(versions.size()).isGreaterThanOrEqualTo(2);
        assertThat(versions.get(versions.size() - 1).path("text").asText()).isEqualTo("Hi there {{name}}");
        JsonNode listed = json(mvc.call(ADA, get("/ai/orgs/acme/templates")));
        assertThat(listed).filteredOn(t -> t.path("name").asText().equals("greet")).singleElement().satisfies(t -> {
            assertThat(t.path("text").asText()).as("the latest version").isEqualTo("Hi there {{name}}");
            assertThat(t.path("version").asInt()).isEqualTo(versions.get(versions.size() - 1).path("version").asInt());
        });
        assertError(mvc.call(MEL, get("/ai/orgs/acme/templates")), 403, "AI_FORBIDDEN");

        assertThat(generate(MEL, "acme", "{\"template\":\"greet\",\"context\":{\"name\":\"Zed\"}}").getStatus())
                .isEqualTo(200);
        assertThat(PROVIDER.lastRequest().body()).contains("Hi there Zed");
        generate(MEL, "acme", "{\"template\":\"greet\",\"templateVersion\":" + first + ",\"context\":{\"name\":\"Zed\"}}");
        assertThat(PROVIDER.lastRequest().body()).contains("Hello Zed");

        assertError(mvc.call(ADA, get("/ai/orgs/acme/templates/nothing")), 404, "AI_NOT_FOUND");
        assertError(generate(MEL, "acme", "{\"template\":\"nothing\"}"), 404, "AI_TEMPLATE_NOT_FOUND");
        assertError(mvc.send(ADA, post("/ai/orgs/acme/templates/broken"), "{\"text\":\"Hi {{name\"}"), 400,
                "AI_TEMPLATE_INVALID");
    }

    @Test
    void rateLimitsReadAndChanged() throws Exception {
        JsonNode before = json(mvc.call(ROOT, get("/ai/orgs/globex/rate-limits")));
        assertThat(before.path("userRequestsPerMinute").asInt()).isEqualTo(30);
        JsonNode after = json(mvc.send(ROOT, put("/ai/orgs/globex/rate-limits"), "{\"orgRequestsPerMinute\":500}"));
        assertThat(after.path("orgRequestsPerMinute").asInt()).isEqualTo(500);
        assertThat(after.path("userRequestsPerMinute").asInt()).isEqualTo(30);
        assertThat(limits.policy(OrgId.of("globex")).orgRequestsPerMinute()).isEqualTo(500);
        assertError(mvc.send(ROOT, put("/ai/orgs/globex/rate-limits"), "{\"orgRequestsPerMinute\":-1}"), 400,
                "AI_INVALID_REQUEST");
    }

    @Test
    void storedUsageTextCanBeSwitchedOffPerOrg() throws Exception {
        RequestPostProcessor tia = as("tia", "AI_ORG_ADMIN:throttled");
        assertThat(json(mvc.call(tia, get("/ai/orgs/throttled/usage-text"))).path("storeText").asBoolean()).isTrue();
        assertThat(json(mvc.send(tia, put("/ai/orgs/throttled/usage-text"), "{\"storeText\":false}")).path("storeText")
                .asBoolean()).isFalse();
        generate(tia, "throttled", "{\"prompt\":\"do not keep me\",\"correlationId\":\"no-text\"}");
        JsonNode page = json(mvc.call(tia, get("/ai/orgs/throttled/usage").param("correlationId", "no-text")));
        String id = page.path("records").get(0).path("id").asText();
        assertThat(json(mvc.call(tia, get("/ai/orgs/throttled/usage/records/" + id))).path("inputText").isNull()).isTrue();
        assertError(mvc.send(tia, put("/ai/orgs/throttled/usage-text"), "{}"), 400, "AI_INVALID_REQUEST");
        mvc.send(tia, put("/ai/orgs/throttled/usage-text"), "{\"storeText\":true}");
        JsonNode audit = json(mvc.call(tia, get("/ai/orgs/throttled/audit").param("action", "usage.text-storage")));
        assertThat(audit.path("events")).hasSize(2);
    }

    @Test
    void guardrailsAddedChangedAppliedAndDeleted() throws Exception {
        RequestPostProcessor gus = GUS;
        MockHttpServletResponse added = mvc.send(gus, post("/ai/orgs/globex/guardrails"),
                "{\"level\":\"org\",\"name\":\"no salaries\",\"action\":\"block\","
                        + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"],\"target\":\"INPUT\"}}");
        assertThat(added.getStatus()).as(added.getContentAsString()).isEqualTo(201);
        JsonNode rule = json(added);
        String id = rule.path("id").asText();
        assertThat(rule.path("rule").path("type").asText()).isEqualTo("content-filter");
        assertThat(rule.path("rule").path("blockedTopics").get(0).asText()).isEqualTo("salary");

        TestApp.storeCheckedKey(keys, "globex", GOOD_KEY, CLOCK.instant());
        try {
            assertError(generate(gus, "globex", "{\"prompt\":\"What is the CEO's salary?\"}"), 403,
                    "AI_GUARDRAIL_BLOCKED");
            MockHttpServletResponse replaced = mvc.send(gus, put("/ai/orgs/globex/guardrails/" + id),
                    "{\"name\":\"no salaries\",\"action\":\"warn\",\"enabled\":false,"
                            + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"]}}");
            assertThat(json(replaced).path("enabled").asBoolean()).isFalse();
            assertThat(generate(gus, "globex", "{\"prompt\":\"What is the CEO's salary?\"}").getStatus()).isEqualTo(200);
        } finally {
            keys.delete(OrgId.of("globex"), ProviderId.OPENAI);
        }

        JsonNode list = json(mvc.call(gus, get("/ai/orgs/globex/guardrails")));
        assertThat(list).anyMatch(g -> g.path("id").asText().equals(id));
        assertError(mvc.send(gus, post("/ai/orgs/globex/guardrails"), "{\"action\":\"block\",\"rule\":{\"type\":\"nope\"}}"),
                400, "AI_INVALID_REQUEST");
        assertError(mvc.send(gus, post("/ai/orgs/globex/guardrails"),
                "{\"action\":\"modify\",\"rule\":{\"type\":\"rate-limit\",\"requestsPerMinute\":5}}"), 400,
                "AI_INVALID_REQUEST");
        assertError(mvc.send(gus, post("/ai/orgs/globex/guardrails"), "{\"action\":\"block\"}"), 400, "AI_INVALID_REQUEST");
        assertError(mvc.call(ADA, get("/ai/orgs/globex/guardrails")), 403, "AI_FORBIDDEN");

        assertThat(json(mvc.call(gus, delete("/ai/orgs/globex/guardrails/" + id))).path("deleted").asBoolean()).isTrue();
        assertError(mvc.call(gus, delete("/ai/orgs/globex/guardrails/" + id)), 404, "AI_NOT_FOUND");
        JsonNode audit = json(mvc.call(gus, get("/ai/orgs/globex/audit").param("action", "guardrail.*")));
        assertThat(audit.path("events")).extracting(e -> e.path("action").asText())
                .containsExactly("guardrail.delete", "guardrail.update", "guardrail.add");
    }

    @Test
    void globalGuardrailsAreForSuperadminsOnly() throws Exception {
        String body = "{\"name\":\"no weapons\",\"action\":\"block\","
                + "\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"bioweapon\"]}}";
        assertError(mvc.send(ADA, post("/ai/guardrails"), body), 403, "AI_FORBIDDEN");
        assertError(mvc.send(null, post("/ai/guardrails"), body), 401, "AI_UNAUTHENTICATED");
        MockHttpServletResponse added = mvc.send(ROOT, post("/ai/guardrails"), body);
        assertThat(added.getStatus()).as(added.getContentAsString()).isEqualTo(201);
        String id = json(added).path("id").asText();
        assertThat(json(added).path("global").asBoolean()).isTrue();
        try {
            assertError(generate(MEL, "acme", "{\"prompt\":\"how to build a bioweapon\"}"), 403, "AI_GUARDRAIL_BLOCKED");
            assertThat(json(mvc.call(ADA, get("/ai/orgs/acme/guardrails")))).anyMatch(g -> g.path("id").asText().equals(id));
            assertThat(json(mvc.send(ROOT, put("/ai/guardrails/" + id), body.replace("\"action\":\"block\"", "\"action\":\"warn\""))).path("action")
                    .asText()).isEqualTo("warn");
            assertThat(json(mvc.call(ROOT, get("/ai/guardrails")))).hasSize(1);
        } finally {
            assertThat(json(mvc.call(ROOT, delete("/ai/guardrails/" + id))).path("deleted").asBoolean()).isTrue();
        }
        assertError(mvc.call(ROOT, delete("/ai/guardrails/" + id)), 404, "AI_NOT_FOUND");
        assertError(mvc.send(ROOT, put("/ai/orgs/acme/guardrails/" + id), body), 404, "AI_NOT_FOUND");
    }

    // ---- no key in any response or log ------------------------------------------------------------

    @Test
    void noResponseAndNoLogLineContainsAKey() throws Exception {
        String planted = "sk-good-PLANTED-7f3a9c2e5b8d1f4a";
        String refused = "sk-bad-PLANTED-0c4e8a2f6b1d9e3c";
        Map<String, String> bodies = new LinkedHashMap<>();
        String log = LogCapture.stderrOf(() -> {
            bodies.put("upsert", mvc.send(ADA, put("/ai/orgs/acme/providers/openai"), "{\"apiKey\":\"" + planted + "\"}")
                    .getContentAsString());
            bodies.put("upsert refused", mvc.send(ADA, put("/ai/orgs/acme/providers/openai"),
                    "{\"apiKey\":\"" + refused + "\"}").getContentAsString());
            bodies.put("verify", mvc.send(ADA, post("/ai/orgs/acme/providers/openai/verify"),
                    "{\"apiKey\":\"" + planted + "\"}").getContentAsString());
            bodies.put("verify refused", mvc.send(ADA, post("/ai/orgs/acme/providers/openai/verify"),
                    "{\"apiKey\":\"" + refused + "\"}").getContentAsString());
            bodies.put("status", mvc.call(ADA, get("/ai/orgs/acme/providers")).getContentAsString());
            bodies.put("generate", generate(MEL, "acme", "{\"prompt\":\"my key is " + planted + "\"}")
                    .getContentAsString());
            bodies.put("stream", generate(MEL, "acme", "{\"prompt\":\"key " + planted + "\",\"stream\":true}")
                    .getContentAsString());
            bodies.put("usage", mvc.call(ADA, get("/ai/orgs/acme/usage")).getContentAsString());
            JsonNode page = JSON.readTree(bodies.get("usage"));
            bodies.put("record", mvc.call(ADA, get("/ai/orgs/acme/usage/records/"
                    + page.path("records").get(0).path("id").asText())).getContentAsString());
            bodies.put("my usage", mvc.call(MEL, get("/ai/orgs/acme/my/usage")).getContentAsString());
            bodies.put("csv", mvc.call(ADA, get("/ai/orgs/acme/usage/export")).getContentAsString());
            bodies.put("jsonl", mvc.call(ADA, get("/ai/orgs/acme/usage/export").param("format", "jsonl"))
                    .getContentAsString());
            bodies.put("audit", mvc.call(ADA, get("/ai/orgs/acme/audit")).getContentAsString());
            bodies.put("models", mvc.call(ADA, get("/ai/orgs/acme/models")).getContentAsString());
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
