package dev.aitenancy.models;

import dev.aitenancy.provider.ProviderId;

/**
 * What a call asks of the catalog; every part is optional.
 *
 * @param feature         the host's feature name, used for feature preferences
 * @param provider        a provider the caller asked for
 * @param model           a model the caller asked for
 * @param maxOutputTokens the output cap the caller asked for
 */
public record ModelRequest(String feature, ProviderId provider, String model, Integer maxOutputTokens) {
}
