package dev.aitenancy.keys;

import dev.aitenancy.LLMJob;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.MDC;

/**
 * Keeps decrypted keys in memory for a while (default 5 minutes) so the hot path does not decrypt
 * on every call. Each real read of the underlying store is reported to a listener as a
 * {@link SecretRead} audit event. Storing or deleting a key through this instance drops it from the
 * cache at once; a change made by another instance is seen at the latest when the entry expires.
 * Absent keys are not cached.
 */
public final class CachingKeyStore implements KeyStore {

    /** The default time a decrypted key is kept. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private record Slot(OrgId org, ProviderId provider) {
    }

    private record Entry(StoredKey key, Instant expiresAt) {
    }

    private final KeyStore delegate;
    private final Duration ttl;
    private final Clock clock;
    private final Consumer<SecretRead> audit;
    private final ConcurrentMap<Slot, Entry> cache = new ConcurrentHashMap<>();
    private final ConcurrentMap<Slot, AtomicLong> versions = new ConcurrentHashMap<>();

    /**
     * @param audit receives one event per read of {@code delegate}; must not block for long
     */
    public CachingKeyStore(KeyStore delegate, Duration ttl, Clock clock, Consumer<SecretRead> audit) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = Objects.requireNonNull(audit, "audit");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative");
        }
    }

    @Override
    public Optional<StoredKey> find(OrgId org, ProviderId provider) {
        Slot slot = new Slot(org, provider);
        Instant now = clock.instant();
        Entry cached = cache.get(slot);
        if (cached != null && now.isBefore(cached.expiresAt())) {
            return Optional.of(cached.key());
        }
        long version = version(slot).get();
        Optional<StoredKey> loaded = delegate.find(org, provider);
        if (loaded.isPresent()) {
            audit.accept(new SecretRead(org, provider, MDC.get(LLMJob.MDC_CORRELATION_ID), now));
            // cache only if no put/delete happened meanwhile, so a stale key is never cached
            synchronized (version(slot)) {
                if (version(slot).get() == version) {
                    cache.put(slot, new Entry(loaded.get(), now.plus(ttl)));
                }
            }
        } else {
            cache.remove(slot);
        }
        return loaded;
    }

    @Override
    public void put(OrgId org, ProviderId provider, ApiKey key, String actor) {
        Slot slot = new Slot(org, provider);
        try {
            delegate.put(org, provider, key, actor);
        } finally {
            invalidate(slot);
        }
    }

    @Override
    public boolean delete(OrgId org, ProviderId provider) {
        Slot slot = new Slot(org, provider);
        try {
            return delegate.delete(org, provider);
        } finally {
            invalidate(slot);
        }
    }

    @Override
    public List<ProviderKeyStatus> status(OrgId org) {
        return delegate.status(org);
    }

    @Override
    public boolean markVerified(OrgId org, ProviderId provider, Instant at) {
        try {
            return delegate.markVerified(org, provider, at);
        } finally {
            invalidate(new Slot(org, provider));
        }
    }

    private void invalidate(Slot slot) {
        AtomicLong v = version(slot);
        synchronized (v) {
            v.incrementAndGet();
            cache.remove(slot);
        }
    }

    private AtomicLong version(Slot slot) {
        return versions.computeIfAbsent(slot, s -> new AtomicLong());
    }

    @Override
    public String toString() {
        return "CachingKeyStore[" + delegate + ", ttl=" + ttl + ", " + cache.size() + " cached]";
    }
}
