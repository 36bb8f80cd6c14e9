package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.ADA;
import static dev.aitenancy.spring.AdminMvc.JSON;
import static dev.aitenancy.spring.AdminMvc.MEL;
import static dev.aitenancy.spring.AdminMvc.ROOT;
import static dev.aitenancy.spring.AdminMvc.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.testing.LogCapture;
import jakarta.servlet.ServletContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.AbstractMockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.context.WebApplicationContext;

/**
 * The edges of the admin endpoints in a real Spring web context: error bodies that name no class
 * or library, enum values in any case, capped request bodies, and hostile bodies that all end in a
 * 4xx with the usual {@code {"code","message"}} body.
 */
@EndpointTest(AdminEndpointsTest.Config.class)
@TestPropertySource(properties = "ai-tenancy.admin.max-request-body=1MB")
class AdminEndpointEdgesTest {

    static final int LIMIT = 1024 * 1024;
    /** What no error body may contain: our classes, Jackson's, the JDK's, exception names. */
    static final List<String> INTERNALS = List.of("dev.aitenancy", "com.fasterxml", "java.", "Exception", "Jackson",
            "StreamReadFeature", "REDACTED", "Source:");
    /** A stack frame, e.g. {@code at dev.aitenancy.X.y(X.java:12)}. */
    static final Pattern STACK_FRAME = Pattern.compile("\\bat [\\w$.]+\\(");

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
    }

    static void assertCleanError(String what, MockHttpServletResponse r) throws Exception {
        String body = r.getContentAsString(StandardCharsets.UTF_8);
        assertThat(r.getStatus()).as(what + " -> " + body).isBetween(400, 499);
        assertThat(r.getContentType()).as(what).startsWith(MediaType.APPLICATION_JSON_VALUE);
        JsonNode error = JSON.readTree(body);
        assertThat(error.path("code").asText()).as(what + " -> " + body).startsWith("AI_");
        assertThat(error.path("message").asText()).as(what + " -> " + body).isNotBlank();
        for (String internal : INTERNALS) {
            assertThat(body).as(what + " names no internals").doesNotContain(internal);
        }
        assertThat(STACK_FRAME.matcher(body).find()).as(what + " has no stack frame: " + body).isFalse();
    }

    // ---- error bodies ---------------------------------------------------------------------------------

    @Test
    void aRuleThatDoesNotFitSaysWhichFieldAndWhatItExpects() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"],\"target\":\"sideways\"}",
                "field 'rule.target': expected one of input, output, both");
        expected.put("{\"type\":\"token-limit\",\"maxInputTokens\":\"many\"}",
                "field 'rule.maxInputTokens': expected a whole number");
        expected.put("{\"type\":\"token-limit\",\"maxOutputTokens\":99999999999}",
                "field 'rule.maxOutputTokens': expected a whole number");
        expected.put("{\"type\":\"content-filter\",\"patterns\":\"x\"}",
                "field 'rule.patterns': expected a list (a JSON array)");
        expected.put("{\"type\":\"content-filter\",\"patterns\":[{\"a\":1}]}",
                "field 'rule.patterns[0]': expected a string");
        expected.put("{\"type\":\"time-restriction\",\"from\":\"08:00\",\"to\":\"18:00\",\"days\":[\"funday\"]}",
                "field 'rule.days[0]': expected one of monday, tuesday, wednesday, thursday, friday, saturday, sunday");
        expected.put("{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"],\"blockedTopic\":[\"y\"]}",
                "field 'rule.blockedTopic' is not known here; the known fields are blockedTopics, patterns, target");
        expected.put("{\"type\":\"mind-control\"}", "field 'rule.type': expected one of model-allowlist");
        expected.put("{\"type\":\"content-filter\",\"patterns\":[\"(a)\\\\1\"]}",
                "content-filter pattern '(a)\\1' uses a backreference ('\\1'), which guardrail patterns do not "
                        + "support (they run in linear time); rewrite it, or list the words as blockedTopics");

        for (Map.Entry<String, String> e : expected.entrySet()) {
            MockHttpServletResponse r = mvc.send(ADA, post("/ai/orgs/acme/guardrails"),
                    "{\"action\":\"block\",\"rule\":" + e.getKey() + "}");

            assertCleanError(e.getKey(), r);
            assertThat(json(r).path("code").asText()).isEqualTo("AI_INVALID_REQUEST");
            assertThat(json(r).path("message").asText()).as(e.getKey()).startsWith(e.getValue());
        }
    }

    @Test
    void bodiesThatAreNotJsonSayWhereWithoutParserInternals() throws Exception {
        MockHttpServletResponse truncated = mvc.send(ADA, put("/ai/orgs/acme/usage-text"), "{\"storeText\": ");
        MockHttpServletResponse garbage = mvc.send(ADA, put("/ai/orgs/acme/usage-text"), "{\"storeText\" tru}");
        MockHttpServletResponse deep = mvc.send(ADA, put("/ai/orgs/acme/usage-text"), "[".repeat(5000) + "]".repeat(5000));

        assertThat(json(truncated).path("message").asText())
                .startsWith("the request body is not valid JSON: it ends before its last value is complete (line 1");
        assertThat(json(garbage).path("message").asText()).startsWith("the request body is not valid JSON (line 1, column");
        assertThat(json(deep).path("message").asText()).contains("at most 100 levels of nesting");
        for (MockHttpServletResponse r : List.of(truncated, garbage, deep)) {
            assertCleanError("not JSON", r);
        }
    }

    // ---- enum values in any case ----------------------------------------------------------------------

    @Test
    void guardrailEnumsAreAcceptedInAnyCase() throws Exception {
        List<String> ids = new ArrayList<>();
        try {
            for (String[] v : new String[][] {{"BLOCK", "ORG", "INPUT"}, {"warn", "org", "output"},
                    {"Modify", "Org", "Both"}}) {
                MockHttpServletResponse r = mvc.send(ADA, post("/ai/orgs/acme/guardrails"), "{\"action\":\"" + v[0]
                        + "\",\"level\":\"" + v[1] + "\",\"rule\":{\"type\":\"content-filter\","
                        + "\"blockedTopics\":[\"x\"],\"target\":\"" + v[2] + "\"}}");

                assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(201);
                JsonNode g = json(r);
                ids.add(g.path("id").asText());
                assertThat(g.path("action").asText()).isEqualTo(v[0].toLowerCase(java.util.Locale.ROOT));
                assertThat(g.path("level").asText()).isEqualTo("org");
                assertThat(g.path("rule").path("target").asText()).isEqualTo(v[2].toUpperCase(java.util.Locale.ROOT));
            }
            MockHttpServletResponse days = mvc.send(ADA, post("/ai/orgs/acme/guardrails"), "{\"action\":\"Log\","
                    + "\"rule\":{\"type\":\"time-restriction\",\"from\":\"08:00\",\"to\":\"18:00\","
                    + "\"days\":[\"MONDAY\",\"friday\",\"Sunday\"]}}");
            assertThat(days.getStatus()).as(days.getContentAsString()).isEqualTo(201);
            ids.add(json(days).path("id").asText());
            assertThat(json(days).path("rule").path("days")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("MONDAY", "FRIDAY", "SUNDAY");
        } finally {
            for (String id : ids) {
                mvc.perform(ADA, delete("/ai/orgs/acme/guardrails/" + id));
            }
        }
    }

    @Test
    void budgetScopesAndPeriodsAreAcceptedInAnyCaseInBodiesAndQueryParameters() throws Exception {
        MockHttpServletResponse upper = mvc.send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"USER\",\"subject\":\"zoe\",\"period\":\"MONTHLY\",\"limitUsd\":5}");
        MockHttpServletResponse mixed = mvc.send(ADA, put("/ai/orgs/acme/budgets"),
                "{\"scope\":\"Group\",\"subject\":\"ops\",\"period\":\"Daily\",\"limitUsd\":5}");

        assertThat(upper.getStatus()).as(upper.getContentAsString()).isEqualTo(200);
        assertThat(json(upper).path("scope").asText()).isEqualTo("USER");
        assertThat(mixed.getStatus()).as(mixed.getContentAsString()).isEqualTo(200);
        assertThat(json(mixed).path("period").asText()).isEqualTo("DAILY");
        assertThat(mvc.perform(ADA, delete("/ai/orgs/acme/budgets?scope=user&subject=zoe&period=Monthly"))
                .getResponse().getStatus()).isEqualTo(200);
        assertThat(mvc.perform(ADA, delete("/ai/orgs/acme/budgets?scope=GROUP&subject=ops&period=daily"))
                .getResponse().getStatus()).isEqualTo(200);
        MockHttpServletResponse unknown = mvc.perform(ADA,
                delete("/ai/orgs/acme/budgets?scope=planet&period=daily")).getResponse();
        assertCleanError("unknown scope", unknown);
        assertThat(json(unknown).path("message").asText()).isEqualTo("\"scope\" must be one of [org, group, user, tier]");
    }

    @Test
    void usageStatusIsAcceptedInAnyCase() throws Exception {
        for (String status : List.of("ok", "OK", "Error", "canceled", "STARTED")) {
            MockHttpServletResponse r = mvc.perform(ADA, get("/ai/orgs/acme/usage").param("status", status))
                    .getResponse();
            assertThat(r.getStatus()).as(status + ": " + r.getContentAsString()).isEqualTo(200);
            assertThat(json(r).path("records").isArray()).isTrue();
        }
        MockHttpServletResponse unknown = mvc.perform(ADA, get("/ai/orgs/acme/usage").param("status", "fine"))
                .getResponse();
        assertCleanError("unknown status", unknown);
        assertThat(json(unknown).path("message").asText())
                .isEqualTo("\"status\" must be one of [started, ok, error, canceled, abandoned]");
    }

    // ---- request body size ----------------------------------------------------------------------------

    /** A body of exactly {@code size} bytes: a usage-text switch padded with spaces. */
    static String paddedBody(int size) {
        String json = "{\"storeText\":true}";
        return json + " ".repeat(size - json.length());
    }

    @Test
    void aBodyOverTheLimitIs413BeforeAnythingIsRead() throws Exception {
        MvcResult result = mvc.perform(ADA, put("/ai/orgs/acme/usage-text").contentType(MediaType.APPLICATION_JSON)
                .content(paddedBody(10 * LIMIT)));

        assertCleanError("10 MB", result.getResponse());
        assertThat(result.getResponse().getStatus()).isEqualTo(413);
        assertThat(json(result.getResponse()).path("code").asText()).isEqualTo("AI_INVALID_REQUEST");
        assertThat(json(result.getResponse()).path("message").asText()).isEqualTo("the request body is larger than "
                + "1 MB, the most these endpoints accept (ai-tenancy.admin.max-request-body); send a smaller one");
        assertThat(result.getRequest().getInputStream().available())
                .as("nothing was read but the one byte Spring peeks at to see whether there is a body")
                .isEqualTo(10 * LIMIT - 1);
    }

    @Test
    void aChunkedBodyIsCutOffOnceItPassesTheLimit() throws Exception {
        MvcResult result = mvc.perform(ADA, new Chunked(HttpMethod.POST).uri("/ai/orgs/acme/generate")
                .contentType(MediaType.APPLICATION_JSON).content(paddedBody(10 * LIMIT)));

        assertCleanError("10 MB chunked", result.getResponse());
        assertThat(result.getResponse().getStatus()).isEqualTo(413);
        assertThat(result.getRequest().getContentLengthLong()).as("no Content-Length").isEqualTo(-1);
        assertThat(result.getRequest().getInputStream().available()).as("the rest was never read")
                .isGreaterThan(8 * LIMIT);
        MvcResult justOver = mvc.perform(ADA, new Chunked(HttpMethod.PUT).uri("/ai/orgs/acme/usage-text")
                .contentType(MediaType.APPLICATION_JSON).content(paddedBody(LIMIT + 1)));
        assertThat(justOver.getResponse().getStatus()).isEqualTo(413);
    }

    @Test
    void aBodyJustUnderTheLimitStillWorksWithOrWithoutContentLength() throws Exception {
        MockHttpServletResponse sized = mvc.send(ADA, put("/ai/orgs/acme/usage-text"), paddedBody(LIMIT - 1));
        MockHttpServletResponse exact = mvc.send(ADA, put("/ai/orgs/acme/usage-text"), paddedBody(LIMIT));
        MockHttpServletResponse chunked = mvc.perform(ADA, new Chunked(HttpMethod.PUT).uri("/ai/orgs/acme/usage-text")
                .contentType(MediaType.APPLICATION_JSON).content(paddedBody(LIMIT))).getResponse();

        for (MockHttpServletResponse r : List.of(sized, exact, chunked)) {
            assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(200);
            assertThat(json(r).path("storeText").asBoolean()).isTrue();
        }
    }

    /** A request as a client sends it chunked: the body without a Content-Length. */
    static final class Chunked extends AbstractMockHttpServletRequestBuilder<Chunked> {

        Chunked(HttpMethod method) {
            super(method);
        }

        @Override
        protected MockHttpServletRequest createServletRequest(ServletContext servletContext) {
            return new MockHttpServletRequest(servletContext) {
                @Override
                public int getContentLength() {
                    return -1;
                }

                @Override
                public long getContentLengthLong() {
                    return -1;
                }
            };
        }
    }

    // ---- hostile bodies -------------------------------------------------------------------------------

    /** An admin endpoint that reads a body, and who may call it. */
    record Endpoint(RequestPostProcessor who, HttpMethod method, String path) {

        AbstractMockHttpServletRequestBuilder<?> with(byte[] body) {
            return request(method, path).contentType(MediaType.APPLICATION_JSON).content(body);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** Every admin endpoint that reads a body. */
    static List<Endpoint> bodyEndpoints(String orgGuardrail, String globalGuardrail) {
        return List.of(
                new Endpoint(MEL, HttpMethod.POST, "/ai/orgs/acme/generate"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/providers/openai"),
                new Endpoint(ADA, HttpMethod.POST, "/ai/orgs/acme/providers/openai/verify"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/models/openai/gpt-4.1-nano"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/default-provider"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/feature-preferences/summaries"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/fallbacks"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/features/drafts"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/tiers"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/tiers/groups/support"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/tiers/users/mel"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/budgets"),
                new Endpoint(ADA, HttpMethod.POST, "/ai/orgs/acme/templates/hostile"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/rate-limits"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/usage-text"),
                new Endpoint(ADA, HttpMethod.POST, "/ai/orgs/acme/guardrails"),
                new Endpoint(ADA, HttpMethod.PUT, "/ai/orgs/acme/guardrails/" + orgGuardrail),
                new Endpoint(ROOT, HttpMethod.POST, "/ai/guardrails"),
                new Endpoint(ROOT, HttpMethod.PUT, "/ai/guardrails/" + globalGuardrail));
    }

    /** Bodies no endpoint accepts: not objects, broken, too deep, too large, and every field of the wrong kind. */
    static List<byte[]> hostileBodies() {
        List<String> bodies = new ArrayList<>(List.of("[]", "\"a string\"", "42", "null", "true", "{", "{\"a\":",
                "{\"action\":\"blo", "{\"tiers\":[\"basic\",}", "{'single':'quotes'}", "{\"a\":1}}",
                "{\"a\":".repeat(3000) + "1" + "}".repeat(3000), "[".repeat(50_000) + "]".repeat(50_000),
                "{\"prompt\":\"" + "x".repeat(2 * LIMIT) + "\"}",
                "{\"text\":\"\\ud800\",\"models\":1e999999,\"tiers\":-0,\"enabled\":NaN}"));
        // each field any endpoint reads, with a value of the wrong kind or an unknown enum value
        bodies.add("{\"prompt\":5,\"template\":[],\"apiKey\":7,\"maxOutputTokens\":\"many\",\"label\":{},"
                + "\"provider\":3,\"model\":[],\"models\":\"x\",\"enabled\":\"yes\",\"tiers\":5,\"scope\":\"cosmos\","
                + "\"period\":\"yearly\",\"limitUsd\":\"lots\",\"hard\":\"very\",\"text\":9,"
                + "\"userRequestsPerMinute\":\"fast\",\"storeText\":\"maybe\",\"action\":\"explode\","
                + "\"level\":\"galaxy\",\"rule\":{\"type\":\"content-filter\",\"target\":\"sideways\",\"patterns\":\"x\"},"
                + "\"stream\":\"yes\",\"context\":5,\"temperature\":\"hot\",\"templateVersion\":1.5}");
        bodies.add("{\"prompt\":{\"$gt\":\"\"},\"apiKey\":{\"a\":[1,2]},\"maxOutputTokens\":1e400,\"provider\":\"../../etc\","
                + "\"models\":[1,{}],\"enabled\":null,\"tiers\":[[\"x\"]],\"scope\":\"USER\",\"period\":\"MONTHLY\","
                + "\"limitUsd\":{\"x\":1},\"text\":{\"x\":1},\"orgRequestsPerMinute\":99999999999999999999,"
                + "\"storeText\":[true],\"action\":\"BLOCK\",\"rule\":{\"type\":\"content-filter\","
                + "\"patterns\":[\"(?<=x)y\"]}}");
        List<byte[]> out = new ArrayList<>(bodies.stream().map(b -> b.getBytes(StandardCharsets.UTF_8)).toList());
        out.add(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '"'}); // bad UTF-8
        return out;
    }

    @Test
    void hostileBodiesToEveryEndpointGetA4xxJsonErrorThatNamesNoInternals() throws Exception {
        // given one guardrail of the org and one global one to replace
        String rule = "{\"action\":\"warn\",\"rule\":{\"type\":\"content-filter\",\"blockedTopics\":[\"x\"]}}";
        String orgGuardrail = json(mvc.send(ADA, post("/ai/orgs/acme/guardrails"), rule)).path("id").asText();
        String globalGuardrail = json(mvc.send(ROOT, post("/ai/guardrails"), rule)).path("id").asText();
        List<String> failures = new ArrayList<>();
        int[] sent = {0};

        // when every hostile body goes to every endpoint that reads one
        String log;
        try {
            log = LogCapture.stderrOf(() -> {
                for (Endpoint endpoint : bodyEndpoints(orgGuardrail, globalGuardrail)) {
                    for (byte[] body : hostileBodies()) {
                        MockHttpServletResponse r = mvc.perform(endpoint.who(), endpoint.with(body)).getResponse();
                        sent[0]++;
                        try {
                            assertCleanError(endpoint + " with "
                                    + new String(body, 0, Math.min(body.length, 60), StandardCharsets.UTF_8), r);
                        } catch (AssertionError e) {
                            failures.add(e.getMessage());
                        }
                    }
                }
            });
        } finally {
            mvc.perform(ADA, delete("/ai/orgs/acme/guardrails/" + orgGuardrail));
            mvc.perform(ROOT, delete("/ai/guardrails/" + globalGuardrail));
        }

        // then each got a 4xx JSON error without internals, and nothing was logged as a failure
        assertThat(sent[0]).isEqualTo(19 * hostileBodies().size());
        assertThat(failures).isEmpty();
        assertThat(log).doesNotContain("failed unexpectedly").doesNotContain("\tat ");
    }
}
