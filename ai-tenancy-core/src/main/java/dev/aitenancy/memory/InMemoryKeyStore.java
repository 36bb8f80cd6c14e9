package dev.aitenancy.memory;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.keys.ProviderKeyStatus;
import dev.aitenancy.keys.StoredKey;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Keys held in this JVM's memory only: for tests, demos and single-instance hosts. */
public final class InMemoryKeyStore implements KeyStore {

    private record Slot(OrgId org, ProviderId provider) {
    }

    private record Stored(ApiKey key, Instant updatedAt, Instant lastVerifiedAt, String createdBy) {
    }

    private final ConcurrentMap<Slot, Stored> keys = new ConcurrentHashMap<>();
    private final Clock clock;

    public InMemoryKeyStore() {
        this(Clock.systemUTC());
    }

    public InMemoryKeyStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Optional<StoredKey> find(OrgId org, ProviderId provider) {
        return Optional.ofNullable(keys.get(new Slot(org, provider)))
                .map(s -> new StoredKey(s.key(), s.lastVerifiedAt()));
    }

    @Override
    public void put(OrgId org, ProviderId provider, ApiKey key, String actor) {
        keys.put(new Slot(Objects.requireNonNull(org), Objects.requireNonNull(provider)),
                new Stored(Objects.requireNonNull(key), clock.instant(), null, actor));
    }

    @Override
    public boolean delete(OrgId org, ProviderId provider) {
        return keys.remove(new Slot(org, provider)) != null;
    }

    @Override
    public List<ProviderKeyStatus> status(OrgId org) {
        return keys.entrySet().stream()
                .filter(e -> e.getKey().org().equals(org))
                .sorted(Comparator.comparing(e -> e.getKey().provider()))
                .map(e -> new ProviderKeyStatus(e.getKey().provider(), e.getValue().key().masked(),
                        e.getValue().lastVerifiedAt(), e.getValue().updatedAt(), e.getValue().createdBy(), null))
                .toList();
    }

    @Override
    public boolean markVerified(OrgId org, ProviderId provider, Instant at) {
        return keys.computeIfPresent(new Slot(org, provider),
                (slot, stored) -> new Stored(stored.key(), stored.updatedAt(), at, stored.createdBy())) != null;
    }

    @Override
    public String toString() {
        return "InMemoryKeyStore[" + keys.size() + " keys]";
    }
}
