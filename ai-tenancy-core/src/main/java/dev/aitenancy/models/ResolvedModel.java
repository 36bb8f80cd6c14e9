package dev.aitenancy.models;

import java.util.List;
import java.util.Objects;

/**
 * The model a call will use, with its output cap already clamped, its registry entry (if known)
 * and the org's fallback chain for it (tried in order, only when configured).
 */
public record ResolvedModel(ModelRef ref, int maxOutputTokens, ModelSpec spec, List<ResolvedModel> fallbacks) {

    public ResolvedModel {
        Objects.requireNonNull(ref, "ref");
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    }
}
