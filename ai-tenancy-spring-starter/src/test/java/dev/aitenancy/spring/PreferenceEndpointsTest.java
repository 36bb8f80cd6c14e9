package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.ADA;
import static dev.aitenancy.spring.AdminMvc.GUS;
import static dev.aitenancy.spring.AdminMvc.MEL;
import static dev.aitenancy.spring.AdminMvc.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.WebApplicationContext;

/**
 * The AI preference endpoints through MockMvc with Spring Security: who may read and change which
 * level, the model check against the catalog, the audit of org changes, and what a member sees.
 */
@EndpointTest(PreferenceEndpointsTest.Config.class)
class PreferenceEndpointsTest {

    @AutoClose
    static final LoopbackServer PROVIDER = FakeOpenAi.start();
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId TIERED = OrgId.of("tiered");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final String ORG_PREFS = "{\"tone\":\"formal, in British English\",\"maxAnswerTokens\":300,"
            + "\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\"}";

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme", "globex", "tiered");
        }
    }

    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;
    @Autowired
    PreferenceStore store;
    @Autowired
    AuditSink audit;

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
        for (String org : List.of("acme", "globex", "tiered")) {
            TestApp.setUpOrg(models, keys, org, null, CLOCK.instant());
            store.setOrg(OrgId.of(org), AiPreferences.NONE);
            store.clearUser(OrgId.of(org), "mel");
            store.clearUser(OrgId.of(org), "ada");
        }
        models.allow(ACME, NANO);
    }

    static void assertError(MockHttpServletResponse r, int status, String code) throws Exception {
        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(status);
        assertThat(json(r).path("code").asText()).isEqualTo(code);
        assertThat(json(r).path("message").asText()).isNotBlank();
    }

    private List<String> preferenceAudit(OrgId org) {
        return audit.query(AuditQuery.of(org).withAction("preferences.*")).events().stream()
                .map(e -> e.actor() + " " + e.action() + " " + e.detail()).toList();
    }

    @Test
    void anOrgAdminSetsAndReadsTheOrgsPreferencesAndEveryChangeIsAudited() throws Exception {
        int before = preferenceAudit(ACME).size();
        MockHttpServletResponse set = mvc.send(ADA, put("/ai/orgs/acme/preferences"), ORG_PREFS);
        MockHttpServletResponse read = mvc.call(ADA, get("/ai/orgs/acme/preferences"));
        MockHttpServletResponse cleared = mvc.send(ADA, put("/ai/orgs/acme/preferences"), "{}");

        assertThat(set.getStatus()).as(set.getContentAsString()).isEqualTo(200);
        assertThat(json(set)).isEqualTo(AdminMvc.JSON.readTree(ORG_PREFS));
        assertThat(json(read)).isEqualTo(json(set));
        assertThat(json(cleared).path("tone").isNull()).isTrue();
        assertThat(json(cleared).path("model").isNull()).isTrue();
        assertThat(store.org(ACME)).isEqualTo(AiPreferences.NONE);
        assertThat(preferenceAudit(ACME)).hasSize(before + 2).startsWith("ada preferences.org none",
                "ada preferences.org tone 'formal, in British English'; max answer tokens 300; "
                        + "model openai/gpt-4.1-mini");
        JsonNode viaEndpoint = json(mvc.call(ADA, get("/ai/orgs/acme/audit").param("action", "preferences.org")
                .param("limit", "1")));
        assertThat(viaEndpoint.path("events").get(0).path("actor").asText()).isEqualTo("ada");
        assertThat(viaEndpoint.path("events").get(0).path("detail").asText()).isEqualTo("none");
    }

    @Test
    void aMemberSetsReadsAndClearsTheirOwnWithinTheOrgsDefaults() throws Exception {
        store.setOrg(ACME, new AiPreferences("formal", 300, NANO));
        List<String> auditBefore = preferenceAudit(ACME);

        MockHttpServletResponse set = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"),
                "{\"tone\":\"casual\\nand short\",\"maxAnswerTokens\":5000}");
        MockHttpServletResponse mine = mvc.call(MEL, get("/ai/orgs/acme/preferences/me"));
        MockHttpServletResponse asAdminSees = mvc.call(ADA, get("/ai/orgs/acme/preferences/users/mel"));

        assertThat(set.getStatus()).as(set.getContentAsString()).isEqualTo(200);
        JsonNode body = json(set);
        assertThat(body.path("user").asText()).isEqualTo("mel");
        assertThat(body.path("preferences").path("tone").asText()).isEqualTo("casual\nand short");
        assertThat(body.path("preferences").path("maxAnswerTokens").asInt()).isEqualTo(5000);
        assertThat(body.path("org").path("model").asText()).isEqualTo("gpt-4.1-nano");
        JsonNode effective = body.path("effective");
        assertThat(effective.path("tone").asText()).isEqualTo("casual\nand short");
        assertThat(effective.path("maxAnswerTokens").asInt()).as("clamped to the org's").isEqualTo(300);
        assertThat(effective.path("model").asText()).isEqualTo("gpt-4.1-nano");
        assertThat(effective.path("applied").asText()).isEqualTo("tone:user,maxAnswerTokens:org,model:org");
        assertThat(json(mine)).isEqualTo(body);
        assertThat(json(asAdminSees)).isEqualTo(body);
        assertThat(store.user(ACME, "mel")).isEqualTo(new AiPreferences("casual\nand short", 5000, null));
        assertThat(store.user(OrgId.of("globex"), "mel")).as("another org").isEqualTo(AiPreferences.NONE);
        assertThat(preferenceAudit(ACME)).as("a member's own preferences are no admin change").isEqualTo(auditBefore);

        MockHttpServletResponse cleared = mvc.call(MEL, delete("/ai/orgs/acme/preferences/me"));
        assertThat(cleared.getStatus()).isEqualTo(200);
        assertThat(json(cleared).path("preferences").path("tone").isNull()).isTrue();
        assertThat(json(cleared).path("effective").path("applied").asText())
                .isEqualTo("tone:org,maxAnswerTokens:org,model:org");
        assertThat(store.user(ACME, "mel")).isEqualTo(AiPreferences.NONE);
    }

    @Test
    void aMemberCannotTouchTheOrgsPreferencesNorReadAnotherUsers() throws Exception {
        store.setUser(ACME, "ada", new AiPreferences("ada's secret tone", null, null));
        List<String> auditBefore = preferenceAudit(ACME);

        assertError(mvc.send(MEL, put("/ai/orgs/acme/preferences"), ORG_PREFS), 403, "AI_FORBIDDEN");
        assertError(mvc.call(MEL, get("/ai/orgs/acme/preferences")), 403, "AI_FORBIDDEN");
        MockHttpServletResponse another = mvc.call(MEL, get("/ai/orgs/acme/preferences/users/ada"));
        assertError(another, 403, "AI_FORBIDDEN");
        assertThat(another.getContentAsString()).doesNotContain("secret");
        assertError(mvc.send(GUS, put("/ai/orgs/acme/preferences"), ORG_PREFS), 403, "AI_FORBIDDEN");
        assertError(mvc.send(GUS, put("/ai/orgs/acme/preferences/me"), "{\"tone\":\"x\"}"), 403, "AI_FORBIDDEN");
        assertError(mvc.call(null, get("/ai/orgs/acme/preferences/me")), 401, "AI_UNAUTHENTICATED");

        assertThat(store.org(ACME)).isEqualTo(AiPreferences.NONE);
        assertThat(store.user(ACME, "gus")).isEqualTo(AiPreferences.NONE);
        assertThat(preferenceAudit(ACME)).isEqualTo(auditBefore);
    }

    @Test
    void aChangeWithoutTheCsrfTokenIsRefused() throws Exception {
        MockHttpServletResponse r = mvc.mockMvc().perform(put("/ai/orgs/acme/preferences/me").with(MEL)
                .contentType(MediaType.APPLICATION_JSON).content("{\"tone\":\"x\"}")).andReturn().getResponse();

        assertThat(r.getStatus()).isEqualTo(403);
        assertThat(store.user(ACME, "mel")).isEqualTo(AiPreferences.NONE);
    }

    @Test
    void aModelTheOrgDoesNotAllowIsRefusedForMembersAndAdminsAlike() throws Exception {
        String gpt4o = "{\"provider\":\"openai\",\"model\":\"gpt-4o\"}";
        List<String> auditBefore = preferenceAudit(ACME);
        assertError(mvc.send(MEL, put("/ai/orgs/acme/preferences/me"), gpt4o), 403, "AI_MODEL_NOT_ALLOWED");
        assertError(mvc.send(ADA, put("/ai/orgs/acme/preferences"), gpt4o), 403, "AI_MODEL_NOT_ALLOWED");
        models.deny(ACME, NANO);
        MockHttpServletResponse denied = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"),
                "{\"provider\":\"openai\",\"model\":\"gpt-4.1-nano\"}");
        models.undeny(ACME, NANO);
        MockHttpServletResponse allowed = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"),
                "{\"provider\":\"OpenAI\",\"model\":\"gpt-4.1-nano\"}");

        assertError(denied, 403, "AI_MODEL_NOT_ALLOWED");
        assertThat(json(denied).path("message").asText()).contains("denylist");
        assertThat(allowed.getStatus()).as(allowed.getContentAsString()).isEqualTo(200);
        assertThat(json(allowed).path("effective").path("applied").asText()).isEqualTo("model:user");
        assertThat(store.org(ACME)).isEqualTo(AiPreferences.NONE);
        assertThat(preferenceAudit(ACME)).as("a refused change records nothing").isEqualTo(auditBefore);
    }

    @Test
    void aModelOutsideTheMembersTiersIsRefused() throws Exception {
        models.setOrgTiers(TIERED, Set.of("basic", "standard", "premium"));
        models.setUserTiers(TIERED, "mel", Set.of());
        try {
            assertError(mvc.send(AdminMvc.as("mel", "AI_ORG_MEMBER:tiered"), put("/ai/orgs/tiered/preferences/me"),
                    "{\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\"}"), 403, "AI_TIER_DENIED");
        } finally {
            models.setOrgTiers(TIERED, Set.of());
            models.setUserTiers(TIERED, "mel", null);
        }
        assertThat(store.user(TIERED, "mel")).isEqualTo(AiPreferences.NONE);
    }

    @Test
    void malformedPreferencesAreRefusedSayingWhatToDo() throws Exception {
        MockHttpServletResponse tooLong = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"),
                "{\"tone\":\"" + "t".repeat(501) + "\"}");
        MockHttpServletResponse zero = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"), "{\"maxAnswerTokens\":0}");
        MockHttpServletResponse half = mvc.send(ADA, put("/ai/orgs/acme/preferences"), "{\"model\":\"gpt-4.1-mini\"}");
        MockHttpServletResponse kind = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"), "{\"maxAnswerTokens\":\"x\"}");
        MockHttpServletResponse control = mvc.send(MEL, put("/ai/orgs/acme/preferences/me"), "{\"tone\":\"a\\u0007b\"}");
        MockHttpServletResponse none = mvc.call(MEL, put("/ai/orgs/acme/preferences/me"));

        assertError(tooLong, 400, "AI_INVALID_REQUEST");
        assertThat(json(tooLong).path("message").asText()).contains("at most 500");
        assertError(zero, 400, "AI_INVALID_REQUEST");
        assertThat(json(zero).path("message").asText()).contains("maxAnswerTokens");
        assertError(half, 400, "AI_INVALID_REQUEST");
        assertThat(json(half).path("message").asText()).contains("\"provider\" and \"model\" together");
        assertError(kind, 400, "AI_INVALID_REQUEST");
        assertError(control, 400, "AI_INVALID_REQUEST");
        assertError(none, 400, "AI_INVALID_REQUEST");
        assertThat(store.user(ACME, "mel")).isEqualTo(AiPreferences.NONE);
        assertThat(store.org(ACME)).isEqualTo(AiPreferences.NONE);
    }
}
