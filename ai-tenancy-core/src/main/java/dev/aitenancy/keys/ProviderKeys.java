package dev.aitenancy.keys;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.Optional;

/**
 * What a call needs of the orgs' provider keys: the org's key for a provider, and a place to note
 * that the provider accepted it. {@link dev.aitenancy.LLMJob} uses only this; a backend for the call
 * path (a secrets manager, a vault) implements these two methods. Storing, deleting and listing keys
 * is {@link KeyStore}, which the admin side needs.
 *
 * <p>A key is only ever returned for the org it was stored for; there is no fallback to another
 * org's or a global key.
 */
public interface ProviderKeys {

    /** The org's key for the provider and when it was last verified, if the org has one. */
    Optional<StoredKey> find(OrgId org, ProviderId provider);

    /** The org's key for the provider, if it has one. */
    default Optional<ApiKey> get(OrgId org, ProviderId provider) {
        return find(org, provider).map(StoredKey::key);
    }

    /**
     * Records that the provider accepted the org's current key at {@code at}; false if it has none.
     * A source that cannot record it returns false: the key is then checked again each time
     * {@link dev.aitenancy.LLMJob.Builder#reverifyKeysAfter} finds it due.
     */
    boolean markVerified(OrgId org, ProviderId provider, Instant at);
}
