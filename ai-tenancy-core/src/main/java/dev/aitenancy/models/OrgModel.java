package dev.aitenancy.models;

import java.util.Objects;

/**
 * A model on an org's allowlist.
 *
 * @param label           the name the org shows its users for this model, or null
 * @param maxOutputTokens the org's cap for this model (already within the model's own cap), or null
 * @param isDefault       whether it is the org's default for its provider
 */
public record OrgModel(ModelRef ref, String label, Integer maxOutputTokens, boolean isDefault) {

    public OrgModel {
        Objects.requireNonNull(ref, "ref");
    }
}
