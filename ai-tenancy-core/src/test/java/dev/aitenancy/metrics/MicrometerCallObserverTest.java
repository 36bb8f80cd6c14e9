package dev.aitenancy.metrics;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aitenancy.LLMJob;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerCallObserverTest {

    final LoopbackServer server = LoopbackServer.start();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void callsAreCountedTimedAndTheirTokensRecordedWithoutTheOrgAsATag() {
        OrgId acme = OrgId.of("acme");
        ModelRef mini = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
        InMemoryKeyStore keys = new InMemoryKeyStore();
        keys.put(acme, ProviderId.OPENAI, ApiKey.of("sk-proj-metrics-000000000000000"));
        keys.markVerified(acme, ProviderId.OPENAI, Instant.now());
        InMemoryModelCatalog models = new InMemoryModelCatalog().allow(acme, mini).setDefault(acme, mini)
                .setDefaultProvider(acme, ProviderId.OPENAI);
        LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(models)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                        .retryPolicy(RetryPolicy.NONE).build()))
                .observer(new MicrometerCallObserver(registry))
                .build();
        server.enqueue(json(200, "{\"model\":\"gpt-4.1-mini-2025-04-14\",\"choices\":[{\"message\":{\"content\":\"hi\"},"
                        + "\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}"),
                json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));

        job.run("hello", "acme", Map.of());
        catchThrowable(() -> job.run("hello", "acme", Map.of()));

        assertThat(registry.get("ai_tenancy.requests").tags("provider", "openai", "model", "gpt-4.1-mini",
                "outcome", "ok").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("ai_tenancy.requests").tags("outcome", "AI_PROVIDER_UNAVAILABLE").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("ai_tenancy.request.duration").tags("outcome", "ok").timer().count()).isEqualTo(1);
        assertThat(registry.get("gen_ai.client.token.usage").tags("gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai", "gen_ai.request.model", "gpt-4.1-mini", "gen_ai.token.type", "input")
                .summary().totalAmount()).isEqualTo(12.0);
        assertThat(registry.get("gen_ai.client.token.usage").summary().getId().getBaseUnit()).isEqualTo("{token}");
        assertThat(registry.get("gen_ai.client.operation.duration").tags("gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai", "gen_ai.request.model", "gpt-4.1-mini",
                "gen_ai.response.model", "gpt-4.1-mini-2025-04-14", "error.type", "none")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get("gen_ai.client.operation.duration").tags("error.type", "AI_PROVIDER_UNAVAILABLE")
                .timer().getId().getTag("gen_ai.response.model")).as("the provider never answered").isEqualTo("none");
        assertThat(registry.get("gen_ai.client.operation.duration").tags("error.type", "AI_PROVIDER_UNAVAILABLE")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get("gen_ai.client.token.usage").tags("gen_ai.token.type", "output").summary()
                .totalAmount()).isEqualTo(3.0);
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getTags()).noneMatch(t -> t.getValue().equals("acme"));
        }
        assertThat(registry.find("gen_ai.client.token.usage").tagKeys("gen_ai.system").meters())
                .as("the attribute the conventions renamed to gen_ai.provider.name").isEmpty();
    }

    @Test
    void geminiHasTheConventionsWellKnownProviderName() {
        assertThat(MicrometerCallObserver.providerName("gemini")).isEqualTo("gcp.gemini");
        assertThat(MicrometerCallObserver.providerName("anthropic")).isEqualTo("anthropic");
        assertThat(MicrometerCallObserver.providerName("mistral")).isEqualTo("mistral");
    }
}
