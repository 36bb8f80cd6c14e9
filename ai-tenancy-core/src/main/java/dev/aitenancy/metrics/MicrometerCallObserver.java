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
 * OpenTelemetry-named distribution {@code gen_ai.client.token.usage} tagged by token type. The org
 * is deliberately not a tag: tenants are unbounded and would explode the metric's cardinality.
 */
public final class MicrometerCallObserver implements CallObserver {

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
        if (r.latency() != null) {
            Timer.builder("ai_tenancy.request.duration").tags("provider", provider, "model", model, "outcome", outcome)
                    .register(registry).record(r.latency());
        }
        record(provider, model, "input", r.usage().inputTokens());
        record(provider, model, "output", r.usage().outputTokens());
    }

    private void record(String provider, String model, String type, Long tokens) {
        if (tokens != null) {
            DistributionSummary.builder("gen_ai.client.token.usage").baseUnit("tokens")
                    .tags("gen_ai.system", provider, "gen_ai.request.model", model, "gen_ai.token.type", type)
                    .register(registry).record(tokens);
        }
    }
}
