package dev.aitenancy.memory;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Keys held in this JVM's memory only: for tests, demos and single-instance hosts. */
public final class InMemoryKeyStore implements KeyStore {

    private record Slot(OrgId org, ProviderId provider) {
    }

    private final ConcurrentMap<Slot, ApiKey> keys = new ConcurrentHashMap<>();

    @Override
    public Optional<ApiKey> get(OrgId org, ProviderId provider) {
        return Optional.ofNullable(keys.get(new Slot(org, provider)));
    }

    @Override
    public void put(OrgId org, ProviderId provider, ApiKey key) {
        keys.put(new Slot(Objects.requireNonNull(org), Objects.requireNonNull(provider)), Objects.requireNonNull(key));
    }

    @Override
    public boolean delete(OrgId org, ProviderId provider) {
        return keys.remove(new Slot(org, provider)) != null;
    }

    @Override
    public String toString() {
        return "InMemoryKeyStore[" + keys.size() + " keys]";
    }
}
