package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.aitenancy.keys.ProviderKeyStatus;

/**
 * The bodies of {@code /orgs/{org}/providers}. A key is accepted in {@link ApiKeyRequest} only;
 * the views below are built from masked forms, so no response can carry one.
 */
public final class ProviderWire {

    private ProviderWire() {
    }

    /**
     * A key to check ({@code POST …/{provider}/verify}) or to store ({@code PUT …/{provider}}):
     * {@code {"apiKey": "sk-…"}}. Fields it does not have are ignored. Its {@code toString()} masks
     * the key, so logging the request shows no secret.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ApiKeyRequest(String apiKey) {

        @Override
        public String toString() {
            return "ApiKeyRequest[apiKey=" + (apiKey == null ? null : "****") + "]";
        }
    }

    /** A stored key as admins see it: masked, with when it was last accepted and the provider's default model. */
    public record ProviderStatusView(String provider, String maskedKey, boolean verified, String lastVerifiedAt,
            String updatedAt, String createdBy, String defaultModel) {

        public static ProviderStatusView of(ProviderKeyStatus s) {
            return new ProviderStatusView(s.provider().name(), s.maskedKey(), s.verified(),
                    WireJson.string(s.lastVerifiedAt()), WireJson.string(s.updatedAt()), s.createdBy(), s.defaultModel());
        }
    }

    /** The provider accepted the key ({@code valid} is always true: a refused key is a 422 error). */
    public record KeyCheckView(String provider, boolean valid, String maskedKey) {
    }

    /** {@code provider} as given in the path; {@code deleted} false when the org had no key for it. */
    public record ProviderDeletedView(String provider, boolean deleted) {
    }
}
