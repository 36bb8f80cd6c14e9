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
 * @param createdBy      who stored it, or null
 * @param defaultModel   the org's default model for this provider, or null (filled in by
 *                       {@link ProviderKeyAdmin#status}; a key store alone does not know it)
 */
public record ProviderKeyStatus(ProviderId provider, String maskedKey, Instant lastVerifiedAt, Instant updatedAt,
        String createdBy, String defaultModel) {

    public ProviderKeyStatus {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(maskedKey, "maskedKey");
    }

    /** This status with the org's default model for the provider. */
    public ProviderKeyStatus withDefaultModel(String model) {
        return new ProviderKeyStatus(provider, maskedKey, lastVerifiedAt, updatedAt, createdBy, model);
    }

    /** Whether the provider has ever accepted this key. */
    public boolean verified() {
        return lastVerifiedAt != null;
    }
}
