package dev.aitenancy;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;

/**
 * Traces calls: one span per call (chat or embeddings, refused ones too) and, within it, one per
 * HTTP attempt of a chat call (the first, each retry, and those of each model a fallback chain moves
 * to; an embeddings call is one attempt however many batches it sends). {@code new dev.aitenancy.metrics.ObservationCallTracing(registry)}
 * makes each a Micrometer {@code Observation}, so a host with tracing gets the spans. Methods run on
 * the call's threads: they must be quick and must not throw (a throwing tracer is logged and
 * ignored).
 */
@FunctionalInterface
public interface CallTracing {

    /** No tracing (the default). */
    CallTracing NONE = (operation, org, correlationId) -> Span.NONE;

    /**
     * A call begins.
     *
     * @param operation {@code chat} or {@code embeddings}
     */
    Span startCall(String operation, OrgId org, String correlationId);

    /** The span of one call. */
    interface Span {

        Span NONE = new Span() {
            @Override
            public Attempt startAttempt(ProviderId provider, String model, int attempt) {
                return Attempt.NONE;
            }

            @Override
            public void end(UsageRecord record) {
            }
        };

        /**
         * An HTTP attempt to {@code provider}'s {@code model} is sent.
         *
         * @param attempt 1 for the first to this model, 2 for its first retry, ...
         */
        Attempt startAttempt(ProviderId provider, String model, int attempt);

        /** The call ended; its finished record says how (status, error code, tokens, cost). */
        void end(UsageRecord record);
    }

    /** The span of one attempt. */
    @FunctionalInterface
    interface Attempt {

        Attempt NONE = errorCode -> {
        };

        /** The attempt ended: with the code of its error, or null when it succeeded. */
        void end(String errorCode);
    }
}
