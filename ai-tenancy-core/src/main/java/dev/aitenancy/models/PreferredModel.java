package dev.aitenancy.models;

import java.util.Objects;

/**
 * A feature routed to one of the org's allowed models.
 *
 * @param maxOutputTokens the feature's own output cap, or null for the model's
 */
public record PreferredModel(String feature, ModelRef model, Integer maxOutputTokens) {

    public PreferredModel {
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(model, "model");
    }
}
