package dev.aitenancy;

import dev.aitenancy.internal.Secrets;
import dev.aitenancy.tenant.OrgId;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How any failure of a call reaches its caller: always as an {@link AiTenancyException}. */
final class CallFailures {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private CallFailures() {
    }

    /** The failure inside completion and execution wrappers. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The failure as the library's own exception; anything unexpected is logged (scrubbed) and made generic. */
    static AiTenancyException asAiException(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof AiTenancyException e) {
            return e;
        }
        if (cause instanceof CancellationException) {
            return new CanceledException(ErrorCode.AI_CANCELED, null, "the call was canceled by its caller");
        }
        LOG.warn("a call failed unexpectedly: {}", Secrets.scrub(String.valueOf(cause)));
        return ProviderException.builder(ErrorCode.AI_PROVIDER_UNAVAILABLE,
                "the call failed unexpectedly; try again, and tell the operator if it persists").build();
    }

    /**
     * A failure of a store (or of any SPI implementation) as the caller sees it: typed, retryable,
     * naming the step and the org, without the SQL or driver text (kept in the cause and the log).
     */
    static StoreException storeFailure(Admission.CallId id, String step, Throwable failure) {
        OrgId org = id.org();
        try (Mdc ignored = Mdc.of(org, id.correlationId())) {
            LOG.warn("could not {} for org {}: {} (the StoreException's cause has the details)", step, org,
                    failure.getClass().getSimpleName());
            LOG.debug("store failure", failure);
        }
        return new StoreException(ErrorCode.AI_STORE_UNAVAILABLE, org.value(), "could not " + step + " for org "
                + org + ": a store it needs failed or did not answer in time; try again shortly", failure);
    }
}
