package dev.aitenancy;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open spans of the calls in flight, by usage record id: a call's span starts when its record
 * id is made and ends when its finished record is written (with any attempt still open). A
 * throwing tracer is logged once per failure and the call goes on.
 */
final class Traces {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private final CallTracing tracing;
    private final Map<UUID, Open> open = new ConcurrentHashMap<>();

    private static final class Open {
        final CallTracing.Span span;
        volatile CallTracing.Attempt attempt;

        Open(CallTracing.Span span) {
            this.span = span;
        }
    }

    Traces(CallTracing tracing) {
        this.tracing = tracing;
    }

    void start(UUID recordId, String operation, OrgId org, String correlationId) {
        if (tracing == CallTracing.NONE) {
            return;
        }
        try {
            open.put(recordId, new Open(tracing.startCall(operation, org, correlationId)));
        } catch (RuntimeException e) {
            LOG.warn("the call tracer failed to start a span for {}", recordId, e);
        }
    }

    /** An attempt of the call begins; the one before it (a fallback's predecessor) ended already. */
    void attempt(UUID recordId, ProviderId provider, String model) {
        Open o = open.get(recordId);
        if (o != null) {
            try {
                o.attempt = o.span.startAttempt(provider, model);
            } catch (RuntimeException e) {
                LOG.warn("the call tracer failed to start an attempt of {}", recordId, e);
            }
        }
    }

    /** The current attempt of the call ended. */
    void attemptEnded(UUID recordId, String errorCode) {
        Open o = open.get(recordId);
        if (o != null) {
            endAttempt(o, errorCode);
        }
    }

    /** The call ended with {@code record}. */
    void end(UsageRecord record) {
        Open o = open.remove(record.id());
        if (o != null) {
            endAttempt(o, record.errorCode());
            try {
                o.span.end(record);
            } catch (RuntimeException e) {
                LOG.warn("the call tracer failed to end the span of {}", record.id(), e);
            }
        }
    }

    private static void endAttempt(Open o, String errorCode) {
        CallTracing.Attempt a = o.attempt;
        o.attempt = null;
        if (a != null) {
            try {
                a.end(errorCode);
            } catch (RuntimeException e) {
                LOG.warn("the call tracer failed to end an attempt", e);
            }
        }
    }
}
