package dev.aitenancy.keys;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;

/**
 * The organizations' own provider keys, at most one per (org, provider), with what the admin side
 * needs besides the call path's {@link ProviderKeys}: storing, deleting and listing them.
 */
public interface KeyStore extends ProviderKeys {

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
}
