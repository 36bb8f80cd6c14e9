package dev.aitenancy.keys;

import java.time.Instant;
import java.util.Objects;

/**
 * An org's key as stored, with when the provider last accepted it ({@code null}: never checked).
 */
public record StoredKey(ApiKey key, Instant lastVerifiedAt) {

    public StoredKey {
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "StoredKey[" + key.masked() + ", lastVerifiedAt=" + lastVerifiedAt + "]";
    }
}
