package dev.aitenancy.models;

import dev.aitenancy.provider.ProviderId;
import java.util.Objects;

/** A model of a provider, e.g. {@code openai/gpt-4.1-mini}. */
public record ModelRef(ProviderId provider, String model) {

    public ModelRef {
        Objects.requireNonNull(provider, "provider");
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a model name must not be blank");
        }
    }

    public static ModelRef of(ProviderId provider, String model) {
        return new ModelRef(provider, model);
    }

    @Override
    public String toString() {
        return provider + "/" + model;
    }
}
