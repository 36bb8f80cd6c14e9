package dev.aitenancy.examples.springapp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** The example application on a random port, answering real HTTP calls as the README's curl calls make them. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.url=jdbc:h2:mem:spring-app-test;DB_CLOSE_DELAY=-1", "spring.main.banner-mode=off"})
class SpringAppTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Value("${local.server.port}")
    int port;

    /** Every response body this test class saw, to be scanned for keys. */
    private static final java.util.List<String> BODIES = new java.util.concurrent.CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.AfterAll
    static void noResponseContainedAKey() {
        assertThat(BODIES).isNotEmpty().noneMatch(b -> b.contains("sk-local"));
    }

    private HttpResponse<String> call(String user, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ai-tenancy" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":demo").getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        BODIES.add(r.body());
        return r;
    }

    @Test
    void aMemberGeneratesAndStreams() throws Exception {
        HttpResponse<String> r = call("mel", "POST", "/orgs/acme/generate",
                "{\"prompt\":\"Summarize {{topic}}\",\"context\":{\"topic\":\"tenancy\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("text").asText()).contains("Summarize tenancy");
        assertThat(r.headers().firstValue("x-correlation-id")).contains(body.path("correlationId").asText());

        HttpResponse<String> s = call("mel", "POST", "/orgs/acme/generate", "{\"prompt\":\"Stream it\",\"stream\":true}");
        assertThat(s.statusCode()).isEqualTo(200);
        assertThat(s.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(s.body()).contains("event:token").contains("event:usage").contains("event:done");
        assertThat(s.headers().firstValue("x-correlation-id")).isPresent();
    }

    @Test
    void adminsSeeTheirOrgOnly() throws Exception {
        HttpResponse<String> providers = call("ada", "GET", "/orgs/acme/providers", null);
        assertThat(providers.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(providers.body()).get(0).path("maskedKey").asText()).endsWith("00a1");
        assertThat(providers.body()).doesNotContain("sk-local");

        assertThat(call("gus", "GET", "/orgs/acme/providers", null).statusCode()).isEqualTo(403);
        assertThat(call("mel", "GET", "/orgs/acme/usage", null).statusCode()).isEqualTo(403);
        assertThat(call(null, "GET", "/orgs/acme/usage", null).statusCode()).isEqualTo(401);
        assertThat(call("root", "GET", "/orgs/nope/models", null).statusCode()).isEqualTo(404);
        HttpResponse<String> noKey = call("root", "POST", "/orgs/initech/generate", "{\"prompt\":\"hi\"}");
        assertThat(noKey.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(noKey.body()).path("code").asText()).isEqualTo("AI_CONFIG_MISSING_API_KEY");
    }

    @Test
    void usageAndMyUsage() throws Exception {
        call("mel", "POST", "/orgs/acme/generate", "{\"prompt\":\"count me\",\"feature\":\"usage-check\"}");
        HttpResponse<String> usage = call("ada", "GET", "/orgs/acme/usage?feature=usage-check", null);
        assertThat(usage.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(usage.body()).path("records")).isNotEmpty();
        HttpResponse<String> mine = call("mel", "GET", "/orgs/acme/my/usage", null);
        assertThat(JSON.readTree(mine.body()).path("records")).allMatch(n -> n.path("userId").asText().equals("mel"));
        HttpResponse<String> csv = call("ada", "GET", "/orgs/acme/usage/export?format=csv", null);
        assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
    }

    @Test
    void keysAreStoredCheckedAndNeverShown() throws Exception {
        HttpResponse<String> refused = call("gus", "PUT", "/orgs/globex/providers/openai", "{\"apiKey\":\"bad-key-1234\"}");
        assertThat(refused.statusCode()).isEqualTo(422);
        HttpResponse<String> stored = call("gus", "PUT", "/orgs/globex/providers/openai",
                "{\"apiKey\":\"sk-local-globex-rotated-00000a9\"}");
        assertThat(stored.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(stored.body()).path("maskedKey").asText()).isEqualTo("****00a9");
        assertThat(call("gus", "POST", "/orgs/globex/generate", "{\"prompt\":\"after rotation\"}").statusCode())
                .isEqualTo(200);
        HttpResponse<String> audit = call("gus", "GET", "/orgs/globex/audit?action=key.*", null);
        assertThat(audit.body()).contains("key.upsert").contains("key.verify");
        call("gus", "GET", "/orgs/globex/audit", null);
        call("gus", "GET", "/orgs/globex/usage/export?format=jsonl", null);
    }

    @Test
    void budgetsRoundTripThroughTheDatabaseAsPlainNumbers() throws Exception {
        assertThat(call("ada", "PUT", "/orgs/acme/budgets",
                "{\"scope\":\"org\",\"period\":\"monthly\",\"limitUsd\":200}").statusCode()).isEqualTo(200);
        HttpResponse<String> budgets = call("ada", "GET", "/orgs/acme/budgets", null);
        assertThat(budgets.body()).contains("\"limitUsd\":200").doesNotContain("E+");
    }

    @Test
    void aBrowserRequestFromAnotherSiteNeedsACsrfToken() throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/ai-tenancy/orgs/acme/features/chat"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("ada:demo".getBytes(StandardCharsets.UTF_8)))
                .header("Origin", "https://evil.example").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"enabled\":false}")).build();
        assertThat(http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
        assertThat(call("ada", "PUT", "/orgs/acme/features/chat", "{\"enabled\":false}").statusCode()).isEqualTo(200);
    }
}
