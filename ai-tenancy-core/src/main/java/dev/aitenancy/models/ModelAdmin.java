package dev.aitenancy.models;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;

/**
 * Changes an org's model configuration: its allowlist, one default per provider, the default
 * provider, feature preferences and the fallback chain. Every change is checked: a default must be
 * allowed, the default of a provider cannot be removed while it is the default, and so on.
 */
public interface ModelAdmin {

    /**
     * Allows the org a model, or changes its cap. The cap is clamped to the model's own output cap
     * when the registry knows it.
     */
    ModelAdmin allow(OrgId org, ModelRef model, Integer maxOutputTokens);

    /** Allows the org a model without a cap of its own. */
    default ModelAdmin allow(OrgId org, ModelRef model) {
        return allow(org, model, null);
    }

    /**
     * Takes a model off the allowlist, with its feature preferences and fallback entries.
     *
     * @throws dev.aitenancy.ConfigurationException {@code AI_CONFIG_INVALID} when it is the
     *                                              default of its provider: choose another first
     */
    ModelAdmin remove(OrgId org, ModelRef model);

    /** Makes an allowed model the default of its provider for the org (exactly one per provider). */
    ModelAdmin setDefault(OrgId org, ModelRef model);

    /** Chooses the provider whose default model serves calls that name nothing. */
    ModelAdmin setDefaultProvider(OrgId org, ProviderId provider);

    /** Routes a feature to an allowed model, optionally with its own output cap. */
    ModelAdmin setFeaturePreference(OrgId org, String feature, ModelRef model, Integer maxOutputTokens);

    /** The models to try in order when the chosen one fails with a retryable provider error. */
    ModelAdmin setFallbacks(OrgId org, List<ModelRef> chain);

    /**
     * Removes everything of the org for a provider (its models, default, preferences and fallbacks
     * on it, and the default provider if it was this one), as when the org's key for it is deleted.
     */
    ModelAdmin removeProvider(OrgId org, ProviderId provider);

    /** The org's allowed models, by provider and name. */
    List<OrgModel> models(OrgId org);
}
