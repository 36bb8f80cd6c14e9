package dev.aitenancy.models;

import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;

/**
 * Decides which model a call uses: the request's choice, else the feature's preference, else the
 * org's explicit default. There is no implicit default model.
 */
public interface ModelCatalog {

    /**
     * @throws dev.aitenancy.ConfigurationException {@code AI_CONFIG_NO_DEFAULT_MODEL} when nothing
     *                                              names a model
     * @throws dev.aitenancy.AccessDeniedException  {@code AI_MODEL_NOT_ALLOWED} for a model off the
     *                                              org's allowlist
     */
    ResolvedModel resolve(OrgId org, Caller caller, ModelRequest request);
}
