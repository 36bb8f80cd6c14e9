package dev.aitenancy.keys;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.Optional;

/**
 * The organizations' own provider keys: at most one per (org, provider). A key is only ever
 * returned for the org it was stored for; there is no fallback to another org's or a global key.
 */
public interface KeyStore {

    /** The org's key for the provider, if it has one. */
    Optional<ApiKey> get(OrgId org, ProviderId provider);

    /** Stores or replaces the org's key for the provider. */
    void put(OrgId org, ProviderId provider, ApiKey key);

    /** Removes the org's key for the provider; true if there was one. */
    boolean delete(OrgId org, ProviderId provider);
}
