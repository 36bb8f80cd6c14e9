package dev.aitenancy.keys;

import java.util.Objects;

/**
 * A provider API key in memory. {@link #toString()} shows only the last four characters; the key
 * itself is handed out only through {@link #reveal()}, which provider adapters call when they put
 * it on the wire.
 */
public final class ApiKey {

    private final String secret;

    private ApiKey(String secret) {
        this.secret = secret;
    }

    /** Wraps a key; blank keys are refused. */
    public static ApiKey of(String secret) {
        Objects.requireNonNull(secret, "secret");
        String trimmed = secret.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
        return new ApiKey(trimmed);
    }

    /** The key itself. Never log or store what this returns. */
    public String reveal() {
        return secret;
    }

    /** The key masked to its last four characters, e.g. {@code ****wxyz}. */
    public String masked() {
        return mask(secret);
    }

    /** Masks any secret to its last four characters (all of it when shorter than 12). */
    public static String mask(String secret) {
        if (secret == null) {
            return null;
        }
        return secret.length() < 12 ? "****" : "****" + secret.substring(secret.length() - 4);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey other && secret.equals(other.secret);
    }

    @Override
    public int hashCode() {
        return secret.hashCode();
    }

    @Override
    public String toString() {
        return "ApiKey[" + masked() + "]";
    }
}
