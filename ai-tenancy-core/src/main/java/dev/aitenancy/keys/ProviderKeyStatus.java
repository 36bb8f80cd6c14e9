package dev.aitenancy.keys;

import dev.aitenancy.provider.ProviderId;
import java.time.Instant;
import java.util.Objects;

/**
 * What may be shown about an org's key: never the key, only its last four characters.
 *
 * @param maskedKey      e.g. {@code ****wxyz}
 * @param lastVerifiedAt when the provider last accepted the key, or null if never checked
 * @param updatedAt      when the key was last stored
 */
public record ProviderKeyStatus(ProviderId provider, String maskedKey, Instant lastVerifiedAt, Instant updatedAt) {

    public ProviderKeyStatus {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(maskedKey, "maskedKey");
    }

    /** Whether the provider has ever accepted this key. */
    public boolean verified() {
        return lastVerifiedAt != null;
    }
}
