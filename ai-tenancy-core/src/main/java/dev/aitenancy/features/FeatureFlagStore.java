package dev.aitenancy.features;

import dev.aitenancy.tenant.OrgId;
import java.util.Map;

/** Feature flags that admins can change. A feature nobody switched is enabled. */
public interface FeatureFlagStore extends FeatureFlags {

    /** Switches a feature on or off for the org. */
    FeatureFlagStore set(OrgId org, String feature, boolean enabled);

    /** The features switched explicitly for the org, by name. */
    Map<String, Boolean> flags(OrgId org);
}
