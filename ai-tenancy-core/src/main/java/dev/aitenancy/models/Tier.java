package dev.aitenancy.models;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Set;

/**
 * A named set of models an org can subscribe to, with the rates the host charges its customer for
 * them (USD per 1M tokens; null when the host bills at list price).
 */
public record Tier(String name, Set<ModelRef> models, BigDecimal inputRatePer1M, BigDecimal outputRatePer1M) {

    public Tier {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a tier needs a name");
        }
        models = Set.copyOf(Objects.requireNonNull(models, "models"));
    }
}
