package dev.aitenancy.metrics;

import dev.aitenancy.CallObserver;
import dev.aitenancy.usage.UsageRecord;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;

/**
 * Publishes calls to Micrometer (an optional dependency): a counter {@code ai_tenancy.requests}
 * and a timer {@code ai_tenancy.request.duration} tagged by provider, model and outcome, and the
 * OpenTelemetry GenAI client metrics (semantic conventions 1.37 and later):
 * {@code gen_ai.client.operation.duration} and {@code gen_ai.client.token.usage}, tagged with
 * {@code gen_ai.operation.name} (the record's {@link UsageRecord#operation()}: {@code chat} or
 * {@code embeddings}), {@code gen_ai.provider.name} (the conventions'
 * well-known names: {@code openai}, {@code anthropic}, {@code gcp.gemini}, {@code cohere}; other
 * providers by their id), {@code gen_ai.request.model}, {@code gen_ai.response.model} (the model id
 * the provider says answered, {@code none} when it did not say), and {@code error.type} (the error code, or
 * {@code none}: a tag key every meter of a name has, as Prometheus requires) or
 * {@code gen_ai.token.type}. The org is deliberately not a tag: tenants are unbounded and would
 * explode the metric's cardinality.
 */
public final class MicrometerCallObserver implements CallObserver {

    /** The token histogram's buckets, as the conventions specify them. */
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
        4194304, 16777216, 67108864};

    private final MeterRegistry registry;

    public MicrometerCallObserver(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void finished(UsageRecord r) {
        String provider = r.provider() == null ? "none" : r.provider();
        String model = r.model() == null ? "none" : r.model();
        String outcome = r.errorCode() == null ? r.status().wireName() : r.errorCode();
        registry.counter("ai_tenancy.requests", "provider", provider, "model", model, "outcome", outcome).increment();
        String genAiProvider = providerName(provider);
        String responseModel = r.responseModel() == null ? "none" : r.responseModel();
        if (r.latency() != null) {
            Timer.builder("ai_tenancy.request.duration").tags("provider", provider, "model", model, "outcome", outcome)
                    .register(registry).record(r.latency());
            Timer.builder("gen_ai.client.operation.duration").description("GenAI operation duration")
                    .tags("gen_ai.operation.name", r.operation(), "gen_ai.provider.name", genAiProvider,
                            "gen_ai.request.model", model, "gen_ai.response.model", responseModel,
                            "error.type", r.errorCode() == null ? "none" : r.errorCode())
                    .register(registry).record(r.latency());
        }
        record(r.operation(), genAiProvider, model, responseModel, "input", r.usage().inputTokens());
        if (!UsageRecord.EMBEDDINGS.equals(r.operation())) { // an embedding has no output tokens to measure
            record(r.operation(), genAiProvider, model, responseModel, "output", r.usage().outputTokens());
        }
    }

    private void record(String operation, String provider, String model, String responseModel, String type,
            Long tokens) {
        if (tokens != null) {
            DistributionSummary.builder("gen_ai.client.token.usage").baseUnit("{token}")
                    .description("Measures number of input and output tokens used")
                    .serviceLevelObjectives(TOKEN_BUCKETS)
                    .tags("gen_ai.operation.name", operation, "gen_ai.provider.name", provider,
                            "gen_ai.request.model", model, "gen_ai.response.model", responseModel,
                            "gen_ai.token.type", type)
                    .register(registry).record(tokens);
        }
    }

    /** The conventions' well-known {@code gen_ai.provider.name} of a provider id, else the id. */
    static String providerName(String provider) {
        return provider.equals("gemini") ? "gcp.gemini" : provider;
    }
}
