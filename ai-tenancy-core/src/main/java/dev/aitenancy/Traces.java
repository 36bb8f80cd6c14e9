package dev.aitenancy;

import dev.aitenancy.provider.AttemptListener;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open spans of the calls in flight, by usage record id: a call's span starts when its record
 * id is made and ends when its finished record is written (with any attempt still open). A
 * throwing tracer is logged once per failure and the call goes on.
 */
final class Traces {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private static final Consumer<String> NOTHING = code -> {
    };

    private final CallTracing tracing;
    private final Map<UUID, Open> open = new ConcurrentHashMap<>();

    private static final class Open {
        final CallTracing.Span span;
        final Map<CallTracing.Attempt, Boolean> attempts = new ConcurrentHashMap<>();

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

    /**
     * An attempt of the call begins; the returned callback ends it (with its error code, or null).
     * An attempt still open when the call ends is ended with the call's error code.
     */
    Consumer<String> attempt(UUID recordId, ProviderId provider, String model, int number) {
        Open o = open.get(recordId);
        if (o == null) {
            return NOTHING;
        }
        CallTracing.Attempt a;
        try {
            a = o.span.startAttempt(provider, model, number);
        } catch (RuntimeException e) {
            LOG.warn("the call tracer failed to start an attempt of {}", recordId, e);
            return NOTHING;
        }
        o.attempts.put(a, Boolean.TRUE);
        return code -> {
            if (o.attempts.remove(a) != null) {
                endAttempt(a, code);
            }
        };
    }

    /** An attempt listener for the provider requests of one call to {@code provider}'s {@code model}. */
    AttemptListener listener(UUID recordId, ProviderId provider, String model) {
        return tracing == CallTracing.NONE ? AttemptListener.NONE : n -> attempt(recordId, provider, model, n);
    }

    /** The call ended with {@code record}. */
    void end(UsageRecord record) {
        Open o = open.remove(record.id());
        if (o != null) {
            for (CallTracing.Attempt a : o.attempts.keySet()) {
                if (o.attempts.remove(a) != null) {
                    endAttempt(a, record.errorCode());
                }
            }
            try {
                o.span.end(record);
            } catch (RuntimeException e) {
                LOG.warn("the call tracer failed to end the span of {}", record.id(), e);
            }
        }
    }

    private static void endAttempt(CallTracing.Attempt a, String errorCode) {
        try {
            a.end(errorCode);
        } catch (RuntimeException e) {
            LOG.warn("the call tracer failed to end an attempt", e);
        }
    }
}
