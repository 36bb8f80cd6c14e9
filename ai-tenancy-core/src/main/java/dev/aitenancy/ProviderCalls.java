package dev.aitenancy;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.tenant.OrgId;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 10 of a call: the job's provider clients, the request each is sent, and the move to the
 * org's next fallback when a provider is unavailable. Immutable; what changes during one call lives
 * in its {@link CallProgress}.
 */
final class ProviderCalls {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);
    private static final Set<ErrorCode> FALLBACK_ON = Set.of(ErrorCode.AI_PROVIDER_UNAVAILABLE,
            ErrorCode.AI_PROVIDER_OVERLOADED, ErrorCode.AI_PROVIDER_TIMEOUT, ErrorCode.AI_PROVIDER_RATE_LIMITED,
            ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);

    private final Map<ProviderId, ProviderClient> providers;
    private final ProviderKeys keys;

    private final Traces traces;

    ProviderCalls(Map<ProviderId, ProviderClient> providers, ProviderKeys keys, Traces traces) {
        this.traces = traces;
        this.providers = Map.copyOf(providers);
        this.keys = keys;
    }

    /** The client of the provider, or {@code AI_CONFIG_NO_PROVIDER}. */
    ProviderClient client(OrgId org, ProviderId provider) {
        ProviderClient c = providers.get(provider);
        if (c == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_NO_PROVIDER, org == null ? null : org.value(),
                    "no client for provider " + provider
                            + " is registered with this LLMJob; add one with LLMJob.builder().provider(...)");
        }
        return c;
    }

    /** The provider call, then the org's fallbacks on availability errors. */
    CompletableFuture<ProviderResponse> call(Admission a, CallProgress p) {
        ProviderClient client = client(a.org(), p.currentModel().ref().provider());
        p.providerCalled();
        CompletableFuture<ProviderResponse> attempt = client.call(request(a, p));
        p.inFlight(attempt);
        return attempt.exceptionallyCompose(failure -> {
            Throwable cause = CallFailures.unwrap(failure);
            if (cause instanceof ProviderException pe && advanceToFallback(a, p, pe)) {
                return call(a, p);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** The spans of the calls in flight. */
    Traces traces() {
        return traces;
    }

    /** The request to the provider being called (the primary model, or the fallback moved to). */
    ProviderRequest request(Admission a, CallProgress p) {
        ResolvedModel m = p.currentModel();
        JobRequest request = a.request();
        return new ProviderRequest(a.org().value(), m.ref().model(), a.systemPrompt(), a.messages(),
                request.tools(), request.responseFormat(), m.maxOutputTokens(), request.temperature(), p.key(),
                a.id().correlationId(), request.timeout() == null ? null : p.remainingOf(request.timeout()),
                traces.listener(a.id().recordId(), m.ref().provider(), m.ref().model()));
    }

    /** Moves to the next fallback that has a key and a client; false when the chain is used up or does not apply. */
    boolean advanceToFallback(Admission a, CallProgress p, ProviderException failure) {
        if (!FALLBACK_ON.contains(failure.code()) || p.isSettled() || p.deadlinePassed()) {
            return false;
        }
        OrgId org = a.org();
        for (int next = p.nextFallback(); next >= 0; next = p.nextFallback()) {
            ResolvedModel model = a.model().fallbacks().get(next);
            Optional<ApiKey> nextKey;
            try {
                nextKey = keys.get(org, model.ref().provider());
            } catch (RuntimeException storeFailure) {
                LOG.warn("could not read the {} key of org {} for a fallback ({}); not falling back",
                        model.ref().provider(), org, storeFailure.getClass().getSimpleName());
                return false;
            }
            boolean usable = nextKey.isPresent() && providers.containsKey(model.ref().provider());
            p.moveTo(next, usable ? nextKey.get() : null);
            if (usable) {
                try (Mdc ignored = Mdc.of(org, a.id().correlationId())) {
                    LOG.info("{} failed with {}; falling back to {}", failure.provider(), failure.code(), model.ref());
                }
                return true;
            }
        }
        return false;
    }
}
