package dev.aitenancy;

import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Step 8 (continued) of a call: the check of a key that is due for verification with its provider. */
final class KeyChecks {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private record Slot(OrgId org, ProviderId provider) {
    }

    private final ProviderKeys keys;
    private final Clock clock;
    private final Duration reverifyKeysAfter;
    private final BiFunction<OrgId, ProviderId, ProviderClient> clients;
    private final Map<Slot, CompletableFuture<Void>> verifying = new ConcurrentHashMap<>();

    KeyChecks(ProviderKeys keys, Clock clock, Duration reverifyKeysAfter,
            BiFunction<OrgId, ProviderId, ProviderClient> clients) {
        this.keys = keys;
        this.clock = clock;
        this.reverifyKeysAfter = reverifyKeysAfter;
        this.clients = clients;
    }

    /** Step 8: the org's key for the provider, or {@code AI_CONFIG_MISSING_API_KEY}. */
    StoredKey storedKey(OrgId org, ProviderId provider) {
        return keys.find(org, provider).orElseThrow(() -> new ConfigurationException(
                ErrorCode.AI_CONFIG_MISSING_API_KEY, org.value(), "no " + provider + " API key is configured for org "
                        + org + ": add one under providers"));
    }

    /**
     * Step 8 (continued): a key never verified, or last verified longer ago than
     * {@code reverifyKeysAfter}, is checked with the provider's cheapest call before use, once per
     * (org, provider) however many calls wait for it. A refused key becomes a configuration error
     * of the org instead of a stream of provider 401s; an unreachable provider lets the call go on.
     */
    CompletableFuture<Void> verifyIfDue(Admission a) {
        if (!a.verificationDue()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return verify(a);
        } catch (RuntimeException e) { // the key store failed: the key was just read, so the call goes on
            LOG.debug("could not check the {} key of org {} ({}); calling anyway", a.model().ref().provider(),
                    a.org(), e.getClass().getSimpleName());
            return CompletableFuture.completedFuture(null);
        }
    }

    private CompletableFuture<Void> verify(Admission a) {
        OrgId org = a.org();
        ProviderId provider = a.model().ref().provider();
        Slot slot = new Slot(org, provider);
        CompletableFuture<Void> check = verifying.computeIfAbsent(slot, s -> verifiedMeanwhile(a, provider)
                ? CompletableFuture.completedFuture(null)
                : clients.apply(org, provider).verify(a.key())
                        .thenRun(() -> keys.markVerified(org, provider, clock.instant())));
        check.whenComplete((ok, e) -> verifying.remove(slot, check));
        return check.exceptionallyCompose(failure -> {
            Throwable cause = CallFailures.unwrap(failure);
            if (cause instanceof ProviderException pe && pe.code() == ErrorCode.AI_PROVIDER_AUTH) {
                return CompletableFuture.failedFuture(new ConfigurationException(ErrorCode.AI_CONFIG_INVALID,
                        org.value(), "the " + provider + " key of org " + org
                                + " was refused when it was checked before use; replace it under providers", pe));
            }
            LOG.debug("could not check the {} key of org {} ({}); calling anyway", provider, org,
                    cause instanceof AiTenancyException ae ? ae.code() : cause.getClass().getSimpleName());
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Whether another call verified this very key since this call read it. */
    private boolean verifiedMeanwhile(Admission a, ProviderId provider) {
        return keys.find(a.org(), provider)
                .filter(k -> k.key().equals(a.key()) && !isDue(k.lastVerifiedAt(), clock.instant()))
                .isPresent();
    }

    /** Whether a key last verified at {@code lastVerifiedAt} (null: never) must be checked before use. */
    boolean isDue(Instant lastVerifiedAt, Instant now) {
        return lastVerifiedAt == null || lastVerifiedAt.plus(reverifyKeysAfter).isBefore(now);
    }
}
