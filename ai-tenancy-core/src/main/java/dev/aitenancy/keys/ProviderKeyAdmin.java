package dev.aitenancy.keys;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.LLMJob;
import dev.aitenancy.ProviderException;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What an admin does with an org's provider keys: store one only after the provider accepted it,
 * list what may be shown, and delete one together with the org's models for that provider.
 */
public final class ProviderKeyAdmin {

    private final KeyStore keys;
    private final ModelAdmin models;
    private final LLMJob job;
    private final AuditSink audit;
    private final RateLimiter limiter;
    private final Clock clock;

    /**
     * @param job     the job whose provider clients check keys ({@link LLMJob#verifyKey})
     * @param audit   where key changes are recorded
     * @param limiter limits key checks per user (default policy: 5 a minute)
     */
    public ProviderKeyAdmin(KeyStore keys, ModelAdmin models, LLMJob job, AuditSink audit, RateLimiter limiter,
            Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.models = Objects.requireNonNull(models, "models");
        this.job = Objects.requireNonNull(job, "job");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Checks the key with the provider's cheapest call, then stores it as verified now.
     *
     * @throws ProviderException {@code AI_PROVIDER_AUTH} when the provider refuses the key (nothing
     *                           is stored), or another provider error when it cannot be checked
     * @throws dev.aitenancy.RateLimitedException when the admin checked too many keys this minute
     */
    public ProviderKeyStatus upsert(OrgId org, ProviderId provider, ApiKey key, String actor) {
        limiter.acquire(RateLimitRequest.keyCheck(org, actor));
        try {
            check(org, provider, key);
        } catch (RuntimeException e) {
            audit.record(AuditEvent.of(org, actor, "key.verify", provider.name(),
                    e instanceof AiTenancyException ae ? "refused: " + ae.code() : "failed", clock.instant()));
            throw e;
        }
        keys.put(org, provider, key, actor);
        keys.markVerified(org, provider, clock.instant());
        audit.record(AuditEvent.of(org, actor, "key.upsert", provider.name(), "verified; ends in " + key.masked(),
                clock.instant()));
        return status(org).stream().filter(s -> s.provider().equals(provider)).findFirst().orElseThrow();
    }

    /**
     * Checks a key with the provider's cheapest call without storing it (nothing is audited: no
     * stored key changed).
     *
     * @throws ProviderException {@code AI_PROVIDER_AUTH} when the provider refuses the key, or another
     *                           provider error when it cannot be checked
     * @throws dev.aitenancy.RateLimitedException when the admin checked too many keys this minute
     */
    public void verify(OrgId org, ProviderId provider, ApiKey key, String actor) {
        limiter.acquire(RateLimitRequest.keyCheck(org, actor));
        check(org, provider, key);
    }

    /**
     * Checks the org's stored key with the provider now and, when it is accepted, records it as
     * verified now; audited as {@code key.verify} whether the provider accepted it or not (not when
     * the key-check limit refused the attempt).
     *
     * @return the key's status after the check; empty when the org has no key for the provider
     *         (nothing is checked then)
     * @throws ProviderException {@code AI_PROVIDER_AUTH} when the provider refuses the stored key
     *                           (its last verification stays as it was), or another provider error
     * @throws dev.aitenancy.RateLimitedException when the admin checked too many keys this minute
     */
    public java.util.Optional<ProviderKeyStatus> reverify(OrgId org, ProviderId provider, String actor) {
        java.util.Optional<ApiKey> key = keys.get(org, provider);
        if (key.isEmpty()) {
            return java.util.Optional.empty();
        }
        limiter.acquire(RateLimitRequest.keyCheck(org, actor));
        try {
            check(org, provider, key.get());
        } catch (AiTenancyException e) {
            audit.record(AuditEvent.of(org, actor, "key.verify", provider.name(), "stored key refused: " + e.code(),
                    clock.instant()));
            throw e;
        }
        keys.markVerified(org, provider, clock.instant());
        audit.record(AuditEvent.of(org, actor, "key.verify", provider.name(), "stored key accepted; ends in "
                + key.get().masked(), clock.instant()));
        return status(org).stream().filter(s -> s.provider().equals(provider)).findFirst();
    }

    /** Checks {@code key} with the provider; throws why it was refused. */
    private void check(OrgId org, ProviderId provider, ApiKey key) {
        try {
            job.verifyKey(provider, key).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(),
                    "interrupted while checking the " + provider + " key; nothing was changed");
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ProviderException pe) {
                throw pe.withOrg(org.value());
            }
            if (cause instanceof AiTenancyException ae) {
                throw ae;
            }
            throw new IllegalStateException("the key check failed unexpectedly", cause);
        }
    }

    /** What may be shown of the org's keys, with the default model of each provider; never a key. */
    public List<ProviderKeyStatus> status(OrgId org) {
        Map<ProviderId, String> defaults = new HashMap<>();
        for (OrgModel m : models.models(org)) {
            if (m.isDefault()) {
                defaults.put(m.ref().provider(), m.ref().model());
            }
        }
        return keys.status(org).stream().map(s -> s.withDefaultModel(defaults.get(s.provider()))).toList();
    }

    /** Deletes the org's key for the provider and everything of the org's model setup for it. */
    public boolean delete(OrgId org, ProviderId provider, String actor) {
        boolean deleted = keys.delete(org, provider);
        models.removeProvider(org, provider);
        audit.record(AuditEvent.of(org, actor, "key.delete", provider.name(),
                deleted ? "key and models removed" : "no key was stored; models removed", clock.instant()));
        return deleted;
    }
}
