package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.as;
import static dev.aitenancy.spring.AdminMvc.idOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.spring.internal.wire.ProviderWire.ApiKeyRequest;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Reply;
import dev.aitenancy.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.context.WebApplicationContext;

/**
 * No key ever leaves through the endpoints: keys are planted in every way they can reach one (stored,
 * checked, refused by a provider that repeats them in its error, inside malformed bodies, in prompts
 * that end up in usage records), every endpoint that touches keys is called, and every response
 * body, every response header and the whole log are scanned.
 */
@EndpointTest(NoKeyInResponsesTest.Config.class)
class NoKeyInResponsesTest {

    /** Accepted by the provider. */
    static final String PLANTED = "sk-good-PLANTED-a1b2c3d4e5f60718";
    /** Refused by the provider, which repeats it in its error (as OpenAI does, in part). */
    static final String REFUSED = "sk-bad-PLANTED-9f8e7d6c5b4a3928";
    /** What no response and no log line may contain: the secret part of either key. */
    static final List<String> SECRETS = List.of("PLANTED-a1b2c3d4e5f60718", "PLANTED-9f8e7d6c5b4a3928");

    @AutoClose
    static final LoopbackServer PROVIDER = LoopbackServer.start().otherwise(req -> {
        String auth = req.header("authorization");
        if (auth != null && !auth.startsWith("Bearer sk-good")) {
            return Reply.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + auth.substring(7)
                    + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
        }
        return FakeOpenAi.answer(req);
    });
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

    static final RequestPostProcessor ADA = as("ada", "AI_ORG_ADMIN:acme", "AI_ORG_ADMIN:refusing");
    static final RequestPostProcessor MEL = as("mel", "AI_ORG_MEMBER:acme", "AI_ORG_MEMBER:refusing");

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme", "refusing");
        }
    }

    /** One exchange as the scan sees it. */
    record Exchange(String what, int status, String headers, String body) {
    }

    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;

    AdminMvc mvc;
    final List<Exchange> exchanges = new ArrayList<>();

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
    }

    @Test
    void noResponseBodyHeaderOrLogLineContainsAKey() throws Exception {
        TestApp.setUpOrg(models, keys, "acme", null, CLOCK.instant());
        TestApp.setUpOrg(models, keys, "refusing", REFUSED, CLOCK.instant()); // a key revoked since

        String log = LogCapture.quietly(() -> {
            // keys stored, checked and refused
            call(ADA, "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"" + PLANTED + "\"}", 200);
            call(ADA, "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"" + REFUSED + "\"}", 422);
            call(ADA, "POST", "/ai/orgs/acme/providers/openai/verify", "{\"apiKey\":\"" + PLANTED + "\"}", 200);
            call(ADA, "POST", "/ai/orgs/acme/providers/openai/verify", "{\"apiKey\":\"" + REFUSED + "\"}", 422);
            CLOCK.advance(Duration.ofMinutes(1)); // key checks are limited per minute
            call(ADA, "PUT", "/ai/orgs/acme/providers/nope", "{\"apiKey\":\"" + PLANTED + "\"}", 409);
            call(ADA, "PUT", "/ai/orgs/acme/providers/openai", "{\"apiKey\":\"" + PLANTED + "\",\"note\":\""
                    + REFUSED + "\"}", 200);
            call(ADA, "GET", "/ai/orgs/acme/providers", null, 200);
            call(ADA, "GET", "/ai/orgs/acme/models", null, 200);

            // keys in bodies that are refused before anything is stored
            for (String body : List.of("{\"apiKey\":[\"" + PLANTED + "\"]}", "{\"apiKey\":{\"key\":\"" + PLANTED + "\"}}",
                    "{\"apiKey\":\"" + PLANTED + "\"", "{\"apiKey\":\"" + PLANTED + "\",\"x\":}",
                    "{\"apiKey\":\"" + PLANTED + "\"}}", "[\"" + PLANTED + "\"]", "\"" + PLANTED + "\"")) {
                call(ADA, "PUT", "/ai/orgs/acme/providers/openai", body, 400);
                call(ADA, "POST", "/ai/orgs/acme/providers/openai/verify", body, 400);
            }
            call(ADA, "POST", "/ai/orgs/acme/generate", "{\"prompt\":[\"" + PLANTED + "\"]}", 400);

            // calls that use the stored keys, one of which the provider refuses and repeats
            call(MEL, "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"my key is " + PLANTED + "\"}", 200);
            call(MEL, "POST", "/ai/orgs/acme/generate", "{\"prompt\":\"key " + PLANTED + "\",\"stream\":true}", 200);
            call(MEL, "POST", "/ai/orgs/refusing/generate", "{\"prompt\":\"hi\"}", 422);
            call(MEL, "POST", "/ai/orgs/refusing/generate", "{\"prompt\":\"hi\",\"stream\":true}", 422);

            // what the calls left behind
            String page = call(ADA, "GET", "/ai/orgs/acme/usage", null, 200);
            String id = idOf(page);
            call(ADA, "GET", "/ai/orgs/acme/usage/records/" + id, null, 200);
            call(MEL, "GET", "/ai/orgs/acme/my/usage", null, 200);
            call(MEL, "GET", "/ai/orgs/acme/my/usage/records/" + id, null, 200);
            call(ADA, "GET", "/ai/orgs/acme/usage?text=" + PLANTED, null, 200);
            call(ADA, "GET", "/ai/orgs/refusing/usage", null, 200);
            call(ADA, "GET", "/ai/orgs/acme/usage/export?format=csv", null, 200);
            call(ADA, "GET", "/ai/orgs/acme/usage/export?format=jsonl", null, 200);
            call(ADA, "GET", "/ai/orgs/acme/audit", null, 200);
            call(ADA, "GET", "/ai/orgs/acme/audit?action=key.*", null, 200);

            // a key check over the limit, and the key removed
            int status = 0;
            for (int i = 0; i < 10 && status != 429; i++) {
                call(ADA, "POST", "/ai/orgs/acme/providers/openai/verify", "{\"apiKey\":\"" + REFUSED + "\"}", -1);
                status = exchanges.get(exchanges.size() - 1).status();
            }
            assertThat(status).as("the key checks reach their limit").isEqualTo(429);
            call(ADA, "DELETE", "/ai/orgs/acme/providers/openai", null, 200);
            call(ADA, "GET", "/ai/orgs/acme/providers", null, 200);
        });

        // then the calls did what they should, and the keys did reach the provider
        assertThat(exchanges.stream().filter(e -> e.what().contains("/usage/records/")).map(Exchange::body))
                .hasSize(2).allSatisfy(b -> assertThat(b) // the prompt, its key masked
                        .containsPattern("\"inputText\":\"(my key is|key) \\*\\*\\*\\*\""));
        assertThat(exchanges.stream().filter(e -> e.what().endsWith("audit?action=key.*")).map(Exchange::body))
                .singleElement().satisfies(b -> assertThat(b).contains("key.upsert", "key.verify"));
        assertThat(PROVIDER.requests()).anyMatch(r -> ("Bearer " + PLANTED).equals(r.header("authorization")))
                .anyMatch(r -> ("Bearer " + REFUSED).equals(r.header("authorization")));
        assertThat(PROVIDER.requests()).anyMatch(r -> r.body().contains(PLANTED)); // the prompt, as sent
        // and none of the responses, nor the log, shows either key
        for (Exchange e : exchanges) {
            for (String secret : SECRETS) {
                assertThat(e.body()).as(e.what() + " body").doesNotContain(secret);
                assertThat(e.headers()).as(e.what() + " headers").doesNotContain(secret);
            }
        }
        assertThat(log).as("the log of the calls").contains("org=acme", "org=refusing");
        for (String secret : SECRETS) {
            assertThat(log).as("the log").doesNotContain(secret);
        }
    }

    @Test
    void aKeyRequestDoesNotShowItsKeyWhenPrinted() {
        ApiKeyRequest request = new ApiKeyRequest(PLANTED);

        assertThat(request.toString()).isEqualTo("ApiKeyRequest[apiKey=****]");
        assertThat(request.apiKey()).isEqualTo(PLANTED);
        assertThat(new ApiKeyRequest(null)).hasToString("ApiKeyRequest[apiKey=null]");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** One exchange, kept for the scan; {@code expected} -1 for any status. */
    private String call(RequestPostProcessor who, String method, String path, String body, int expected)
            throws Exception {
        MockHttpServletResponse r = mvc.call(who, method, path, body);
        StringBuilder headers = new StringBuilder();
        for (String name : r.getHeaderNames()) {
            headers.append(name).append(": ").append(String.join(", ", r.getHeaders(name))).append('\n');
        }
        String answer = r.getContentAsString(StandardCharsets.UTF_8);
        String what = method + " " + path.replace(PLANTED, "<key>");
        exchanges.add(new Exchange(what, r.getStatus(), headers.toString(), answer));
        if (expected >= 0) {
            assertThat(r.getStatus()).as(what + " -> " + answer).isEqualTo(expected);
        }
        return answer;
    }
}
