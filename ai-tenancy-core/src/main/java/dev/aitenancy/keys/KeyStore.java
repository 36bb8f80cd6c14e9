package dev.aitenancy.keys;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The organizations' own provider keys: at most one per (org, provider). A key is only ever
 * returned for the org it was stored for; there is no fallback to another org's or a global key.
 */
public interface KeyStore {

    /** The org's key for the provider and when it was last verified, if the org has one. */
    Optional<StoredKey> find(OrgId org, ProviderId provider);

    /** The org's key for the provider, if it has one. */
    default Optional<ApiKey> get(OrgId org, ProviderId provider) {
        return find(org, provider).map(StoredKey::key);
    }

    /** Stores or replaces the org's key for the provider; a replaced key counts as not verified. */
    default void put(OrgId org, ProviderId provider, ApiKey key) {
        put(org, provider, key, null);
    }

    /** As {@link #put(OrgId, ProviderId, ApiKey)}, recording who stored the key. */
    void put(OrgId org, ProviderId provider, ApiKey key, String actor);

    /** Removes the org's key for the provider; true if there was one. */
    boolean delete(OrgId org, ProviderId provider);

    /** What may be shown of the org's keys, ordered by provider; never a key. */
    List<ProviderKeyStatus> status(OrgId org);

    /** Records that the provider accepted the org's current key at {@code at}; false if it has none. */
    boolean markVerified(OrgId org, ProviderId provider, Instant at);
}
