package dev.aitenancy.examples.properties;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aitenancy.examples.quickstart.StandInProvider;
import dev.aitenancy.keys.SecretCipher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The properties-only application, started as it is (its application.properties, the environment
 * values set here), answers a generate call over real HTTP with a member's bearer token.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "spring.main.banner-mode=off")
class PropertiesOnlyAppTest {

    static final StandInProvider PROVIDER = start();
    static final String MEL_TOKEN = "mel-token-0123456789abcdef";
    static final String ADA_TOKEN = "ada-token-0123456789abcdef";

    static StandInProvider start() {
        try {
            return StandInProvider.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry registry) {
        // what the environment gives a deployment: the placeholders of application.properties
        registry.add("AI_TENANCY_MASTER_KEY", SecretCipher::generateBase64Key);
        registry.add("ACME_OPENAI_KEY", () -> "sk-standin-acme-0000000000000000");
        registry.add("OPENAI_BASE_URL", () -> PROVIDER.baseUri().toString());
        registry.add("ADA_TOKEN", () -> ADA_TOKEN);
        registry.add("MEL_TOKEN", () -> MEL_TOKEN);
    }

    @AfterAll
    static void stop() {
        PROVIDER.close();
    }

    @Value("${local.server.port}")
    int port;

    HttpResponse<String> send(String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ai-tenancy" + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aMemberGeneratesAndAnAdminSeesTheSetupFromTheProperties() throws Exception {
        HttpResponse<String> generated = send(MEL_TOKEN, "POST", "/orgs/acme/generate", "{\"prompt\":\"Hello there\"}");
        HttpResponse<String> anonymous = send(null, "POST", "/orgs/acme/generate", "{\"prompt\":\"Hello there\"}");
        HttpResponse<String> wrongToken = send("not-a-token-of-anyone-000", "POST", "/orgs/acme/generate",
                "{\"prompt\":\"hi\"}");
        HttpResponse<String> memberReadsModels = send(MEL_TOKEN, "GET", "/orgs/acme/models", null);
        HttpResponse<String> models = send(ADA_TOKEN, "GET", "/orgs/acme/models", null);

        assertThat(generated.statusCode()).as(generated.body()).isEqualTo(200);
        JsonNode result = new ObjectMapper().readTree(generated.body());
        assertThat(result.get("text").asText()).contains("(stand-in) You asked: \"Hello there\"");
        assertThat(result.get("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(memberReadsModels.statusCode()).isEqualTo(403);
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(models.body()).contains("gpt-4.1-nano").doesNotContain("sk-standin");
    }
}
