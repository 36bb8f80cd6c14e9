package dev.aitenancy.metrics;

import dev.aitenancy.CallTracing;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;

/**
 * Each call as a Micrometer {@link Observation} named {@value #CALL} (contextual name
 * {@code "chat gpt-4.1-mini"}, as the OpenTelemetry GenAI conventions name spans), with a child
 * {@value #ATTEMPT} for each HTTP attempt (the first, every retry, each fallback model's;
 * {@code ai_tenancy.attempt} numbers them per model). A host with Micrometer Tracing gets them as spans.
 *
 * <p>Low-cardinality key values (which a meter handler may turn into tags): {@code
 * gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.response.model},
 * {@code error.type}. High-cardinality ones (span attributes only): {@code ai_tenancy.org},
 * {@code ai_tenancy.correlation_id}, {@code ai_tenancy.usage_record_id}, {@code ai_tenancy.status},
 * {@code gen_ai.usage.input_tokens}, {@code gen_ai.usage.output_tokens}. The org is never
 * low-cardinality: tenants are unbounded. A failed call or attempt carries its error code as the
 * observation's error.
 */
public final class ObservationCallTracing implements CallTracing {

    /** The observation of a call. */
    public static final String CALL = "gen_ai.client.operation";
    /** The observation of one provider attempt within a call. */
    public static final String ATTEMPT = "gen_ai.client.attempt";

    private final ObservationRegistry registry;

    public ObservationCallTracing(ObservationRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Span startCall(String operation, OrgId org, String correlationId) {
        Observation call = Observation.createNotStarted(CALL, registry)
                .contextualName(operation)
                .lowCardinalityKeyValue("gen_ai.operation.name", operation)
                .highCardinalityKeyValue("ai_tenancy.org", org.value())
                .highCardinalityKeyValue("ai_tenancy.correlation_id", correlationId == null ? "" : correlationId)
                .start();
        return new Span() {
            @Override
            public Attempt startAttempt(ProviderId provider, String model, int number) {
                Observation attempt = Observation.createNotStarted(ATTEMPT, registry)
                        .parentObservation(call)
                        .contextualName(operation + " " + model)
                        .highCardinalityKeyValue("ai_tenancy.attempt", Integer.toString(number))
                        .highCardinalityKeyValue("ai_tenancy.correlation_id", correlationId == null ? "" : correlationId)
                        .lowCardinalityKeyValue("gen_ai.operation.name", operation)
                        .lowCardinalityKeyValue("gen_ai.provider.name", MicrometerCallObserver.providerName(provider.name()))
                        .lowCardinalityKeyValue("gen_ai.request.model", model)
                        .start();
                return errorCode -> {
                    attempt.lowCardinalityKeyValue("error.type", errorCode == null ? "none" : errorCode);
                    if (errorCode != null) {
                        attempt.error(new CallFailed(errorCode));
                    }
                    attempt.stop();
                };
            }

            @Override
            public void end(UsageRecord r) {
                String model = r.model() == null ? "none" : r.model();
                call.contextualName(operation + (r.model() == null ? "" : " " + r.model()))
                        .lowCardinalityKeyValue("gen_ai.provider.name",
                                r.provider() == null ? "none" : MicrometerCallObserver.providerName(r.provider()))
                        .lowCardinalityKeyValue("gen_ai.request.model", model)
                        .lowCardinalityKeyValue("gen_ai.response.model", r.responseModel() == null ? "none"
                                : r.responseModel())
                        .lowCardinalityKeyValue("error.type", r.errorCode() == null ? "none" : r.errorCode())
                        .highCardinalityKeyValue("ai_tenancy.usage_record_id", r.id().toString())
                        .highCardinalityKeyValue("ai_tenancy.status", r.status().wireName());
                if (r.usage().inputTokens() != null) {
                    call.highCardinalityKeyValue("gen_ai.usage.input_tokens", r.usage().inputTokens().toString());
                }
                if (r.usage().outputTokens() != null) {
                    call.highCardinalityKeyValue("gen_ai.usage.output_tokens", r.usage().outputTokens().toString());
                }
                if (r.errorCode() != null) {
                    call.error(new CallFailed(r.errorCode()));
                }
                call.stop();
            }
        };
    }

    /** The error an observation of a failed call or attempt carries: its code, no stack. */
    static final class CallFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CallFailed(String errorCode) {
            super(errorCode, null, false, false);
        }
    }
}
