package dev.aitenancy.models;

import java.util.Objects;

/**
 * A model on an org's allowlist.
 *
 * @param maxOutputTokens the org's cap for this model (already within the model's own cap), or null
 * @param isDefault       whether it is the org's default for its provider
 */
public record OrgModel(ModelRef ref, Integer maxOutputTokens, boolean isDefault) {

    public OrgModel {
        Objects.requireNonNull(ref, "ref");
    }
}
