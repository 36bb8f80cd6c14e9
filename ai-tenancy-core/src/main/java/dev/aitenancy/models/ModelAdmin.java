package dev.aitenancy.models;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;
import java.util.Set;

/**
 * Changes an org's model configuration: its allowlist, one default per provider, the default
 * provider, feature preferences and the fallback chain. Every change is checked: a default must be
 * allowed, the default of a provider cannot be removed while it is the default, and so on.
 */
public interface ModelAdmin {

    /**
     * Allows the org a model, or changes its cap and label. The cap is clamped to the model's own output cap
     * when the registry knows it.
     */
    ModelAdmin allow(OrgId org, ModelRef model, Integer maxOutputTokens, String label);

    /** Allows the org a model with a cap of its own and no label. */
    default ModelAdmin allow(OrgId org, ModelRef model, Integer maxOutputTokens) {
        return allow(org, model, maxOutputTokens, null);
    }

    /** Allows the org a model without a cap of its own. */
    default ModelAdmin allow(OrgId org, ModelRef model) {
        return allow(org, model, null, null);
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

    /**
     * Subscribes the org to tiers of the catalog's {@link TierPlan}; an empty set means tiers do
     * not restrict the org at all.
     *
     * @throws dev.aitenancy.ConfigurationException {@code AI_CONFIG_INVALID} for an unknown tier
     */
    ModelAdmin setOrgTiers(OrgId org, Set<String> tiers);

    /** Narrows the members of a group to some of the org's tiers; {@code null} removes the narrowing. */
    ModelAdmin setGroupTiers(OrgId org, String group, Set<String> tiers);

    /** Narrows a user to some of the org's tiers; {@code null} removes the narrowing. */
    ModelAdmin setUserTiers(OrgId org, String user, Set<String> tiers);

    /** Puts a model on the org's denylist: it is refused even when allowed or in a tier. */
    ModelAdmin deny(OrgId org, ModelRef model);

    /** Takes a model off the org's denylist. */
    ModelAdmin undeny(OrgId org, ModelRef model);

    /** The org's allowed models, by provider and name. */
    List<OrgModel> models(OrgId org);

    /** The org's feature preferences, by feature. */
    List<PreferredModel> featurePreferences(OrgId org);

    /** The org's fallback chain, in the order it is tried. */
    List<ModelRef> fallbacks(OrgId org);

    /**
     * The org's default provider, tiers, narrowings and denylist as last set. Both built-in
     * catalogs answer it; a custom {@code ModelAdmin} that does not override it refuses.
     *
     * @throws UnsupportedOperationException when this implementation cannot read them back
     */
    default ModelAccessSettings accessSettings(OrgId org) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot read back an org's default provider, tiers and denylist: override accessSettings");
    }
}
