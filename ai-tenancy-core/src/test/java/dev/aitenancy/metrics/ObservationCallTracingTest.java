package dev.aitenancy.metrics;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.AccessDeniedException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each call one observation, each provider attempt (a fallback too) a child of it; the org only a span attribute. */
class ObservationCallTracingTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");

    final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    final ObservationRegistry registry = ObservationRegistry.create();
    final LoopbackServer server = LoopbackServer.start();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final LLMJob job;
    final LLMJob retrying;

    ObservationCallTracingTest() {
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }
        });
        catalog.allow(ACME, MINI).allow(ACME, NANO).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI)
                .setFallbacks(ACME, List.of(NANO));
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-ACMEplanted000111222333444555"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        job = job(1);
        retrying = job(2);
    }

    LLMJob job(int attempts) {
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(new InMemoryUsageSink())
                .tracing(new ObservationCallTracing(registry))
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                        .retryPolicy(new RetryPolicy(attempts, Duration.ofMillis(1), Duration.ofMillis(1),
                                Duration.ofSeconds(1)))
                        .build()))
                .build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String value(Observation.Context c, String key) {
        KeyValue low = c.getLowCardinalityKeyValue(key);
        KeyValue high = c.getHighCardinalityKeyValue(key);
        return low != null ? low.getValue() : high != null ? high.getValue() : null;
    }

    @Test
    void aCallWithAFallbackIsOneObservationWithAChildPerAttempt() throws Exception {
        server.enqueue(json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":null}}"));
        server.enqueue(json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-nano\",\"choices\":"
                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}"));

        JobResult[] result = new JobResult[1];
        LogCapture.quietly(() -> result[0] = job.run(JobRequest.builder(ACME, "hi").correlationId("corr-9").build()));
        JobResult r = result[0];

        assertThat(stopped).hasSize(3);
        Observation.Context first = stopped.get(0);
        Observation.Context second = stopped.get(1);
        Observation.Context call = stopped.get(2);
        assertThat(call.getName()).isEqualTo(ObservationCallTracing.CALL);
        assertThat(call.getContextualName()).isEqualTo("chat gpt-4.1-nano");
        assertThat(value(call, "ai_tenancy.correlation_id")).isEqualTo("corr-9");
        assertThat(value(call, "ai_tenancy.usage_record_id")).isEqualTo(r.usageRecordId().toString());
        assertThat(value(call, "gen_ai.usage.input_tokens")).isEqualTo("7");
        assertThat(value(call, "error.type")).isEqualTo("none");
        assertThat(call.getHighCardinalityKeyValue("ai_tenancy.org").getValue()).isEqualTo("acme");
        assertThat(call.getLowCardinalityKeyValue("ai_tenancy.org")).as("never a metric tag").isNull();
        assertThat(List.of(first, second)).allSatisfy(a -> {
            assertThat(a.getName()).isEqualTo(ObservationCallTracing.ATTEMPT);
            assertThat(a.getParentObservation().getContextView()).isSameAs(call);
            assertThat(value(a, "ai_tenancy.correlation_id")).isEqualTo("corr-9");
        });
        assertThat(value(first, "gen_ai.request.model")).isEqualTo("gpt-4.1-mini");
        assertThat(value(first, "error.type")).isEqualTo("AI_PROVIDER_OVERLOADED");
        assertThat(first.getError()).hasMessage("AI_PROVIDER_OVERLOADED");
        assertThat(value(second, "gen_ai.request.model")).isEqualTo("gpt-4.1-nano");
        assertThat(value(second, "error.type")).isEqualTo("none");
        assertThat(call.getError()).isNull();
    }

    @Test
    void aRetryIsAnAttemptOfItsOwn() throws Exception {
        server.enqueue(json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":null}}"));
        server.enqueue(json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":"
                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}"));

        retrying.run(JobRequest.builder(ACME, "hi").build());

        assertThat(stopped).extracting(Observation.Context::getName).containsExactly(ObservationCallTracing.ATTEMPT,
                ObservationCallTracing.ATTEMPT, ObservationCallTracing.CALL);
        assertThat(stopped.subList(0, 2)).extracting(c -> value(c, "gen_ai.request.model") + " #"
                + value(c, "ai_tenancy.attempt") + " " + value(c, "error.type"))
                .containsExactly("gpt-4.1-mini #1 AI_PROVIDER_OVERLOADED", "gpt-4.1-mini #2 none");
    }

    @Test
    void aRefusedCallIsAnObservationWithItsErrorAndNoAttempt() {
        AccessDeniedException e = catchThrowableOfType(AccessDeniedException.class,
                () -> job.run(JobRequest.builder(ACME, "hi").model("gpt-4o").build()));

        assertThat(stopped).singleElement().satisfies(call -> {
            assertThat(call.getName()).isEqualTo(ObservationCallTracing.CALL);
            assertThat(value(call, "error.type")).isEqualTo(e.code().name());
            assertThat(call.getError()).hasMessage("AI_MODEL_NOT_ALLOWED");
            assertThat(value(call, "ai_tenancy.status")).isEqualTo("error");
        });
    }
}
