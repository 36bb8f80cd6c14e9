package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.GUS;
import static dev.aitenancy.spring.AdminMvc.MEL;
import static dev.aitenancy.spring.AdminMvc.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Reply;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.WebApplicationContext;

/** {@code POST /orgs/{org}/embeddings} through MockMvc: authorized like generate, governed, recorded. */
@EndpointTest(EmbeddingsEndpointTest.Config.class)
class EmbeddingsEndpointTest {

    @AutoClose
    static final LoopbackServer PROVIDER = LoopbackServer.start().otherwise(EmbeddingsEndpointTest::answer);
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    static final String GOOD_KEY = "sk-good-acme-embeddings-00001234";
    static final ModelRef SMALL = ModelRef.of(ProviderId.OPENAI, "text-embedding-3-small");

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme", "globex");
        }
    }

    /** OpenAI's embeddings answer (vector [i, i + 0.5] for input i, 7 tokens an input), else the fake chat. */
    static Reply answer(LoopbackServer.Recorded req) {
        if (!req.pathAndQuery().equals("/v1/embeddings")) {
            return FakeOpenAi.answer(req);
        }
        try {
            int n = AdminMvc.JSON.readTree(req.body()).get("input").size();
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < n; i++) {
                data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                        .append(",\"embedding\":[").append(i).append(".0,").append(i).append(".5]}");
            }
            return Reply.json(200, "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"text-embedding-3-small\","
                    + "\"usage\":{\"prompt_tokens\":" + 7 * n + ",\"total_tokens\":" + 7 * n + "}}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;
    @Autowired
    UsageLog usage;

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
        CLOCK.advance(java.time.Duration.ofMinutes(1));
        TestApp.setUpOrg(models, keys, "acme", GOOD_KEY, CLOCK.instant());
        models.allow(OrgId.of("acme"), SMALL);
    }

    MockHttpServletResponse embed(org.springframework.test.web.servlet.request.RequestPostProcessor who, String org,
            String body) throws Exception {
        return mvc.send(who, post("/ai/orgs/" + org + "/embeddings"), body);
    }

    static void assertError(MockHttpServletResponse r, int status, String code) throws Exception {
        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(status);
        assertThat(json(r).path("code").asText()).isEqualTo(code);
        assertThat(json(r).path("message").asText()).isNotBlank();
    }

    @Test
    void aMemberEmbedsTextsAndGetsVectorsInOrderWithUsageCostAndItsRecord() throws Exception {
        MockHttpServletResponse r = mvc.call(MEL, post("/ai/orgs/acme/embeddings").header("x-correlation-id", "emb-7")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"inputs\":[\"first\",\"second\"],\"model\":\"text-embedding-3-small\","
                        + "\"inputType\":\"search_query\"}"));

        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(200);
        assertThat(r.getHeaders("x-correlation-id")).containsExactly("emb-7");
        JsonNode body = json(r);
        assertThat(body.get("vectors").toString()).isEqualTo("[[0.0,0.5],[1.0,1.5]]");
        assertThat(body.path("provider").asText()).isEqualTo("openai");
        assertThat(body.path("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(body.path("usage").toString())
                .isEqualTo("{\"inputTokens\":14,\"outputTokens\":0,\"cachedInputTokens\":null}");
        assertThat(body.path("tokensEstimated").asBoolean()).isFalse();
        assertThat(body.path("cost").toString()).isEqualTo("{\"amount\":2.8E-7,\"currency\":\"USD\"}");
        assertThat(body.path("correlationId").asText()).isEqualTo("emb-7");
        UsageRecord rec = usage.find(OrgId.of("acme"), UUID.fromString(body.path("usageRecordId").asText()))
                .orElseThrow();
        assertThat(rec.operation()).isEqualTo(UsageRecord.EMBEDDINGS);
        assertThat(rec.userId()).isEqualTo("mel");
        assertThat(rec.usage().inputTokens()).isEqualTo(14);
        assertThat(rec.cost().amount()).isEqualByComparingTo("0.00000028");
        assertThat(PROVIDER.lastRequest().header("authorization")).isEqualTo("Bearer " + GOOD_KEY);
    }

    @Test
    void aChatModelIsRefusedWithItsCodeAndNoProviderRequest() throws Exception {
        int before = PROVIDER.requests().size();

        assertError(embed(MEL, "acme", "{\"inputs\":[\"x\"]}"), 409, "AI_CONFIG_INVALID");
        assertError(embed(MEL, "acme", "{\"inputs\":[\"x\"],\"model\":\"text-embedding-3-large\"}"), 403,
                "AI_MODEL_NOT_ALLOWED");
        assertThat(PROVIDER.requests()).hasSize(before);
        assertThat(usage.query(UsageQuery.of(OrgId.of("acme"))).records()).isNotEmpty();
    }

    @Test
    void withoutInputsIs400AndAnotherOrgsAdminIs403AndNobodyIs401() throws Exception {
        assertError(embed(MEL, "acme", "{\"model\":\"text-embedding-3-small\"}"), 400, "AI_INVALID_REQUEST");
        assertError(embed(MEL, "acme", "{\"inputs\":[\"\"]}"), 400, "AI_INVALID_REQUEST");
        assertError(embed(GUS, "acme", "{\"inputs\":[\"x\"]}"), 403, "AI_FORBIDDEN");
        assertThat(embed(null, "acme", "{\"inputs\":[\"x\"]}").getStatus()).isEqualTo(401);
    }
}
