package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import java.util.Optional;

/** A {@link UsageTextPolicy} that admins change per org. An org nobody switched stores text. */
public interface UsageTextSettings extends UsageTextPolicy {

    /** Switches storing prompt and answer text on or off for the org. */
    UsageTextSettings setStoresText(OrgId org, boolean store);

    /** The org's explicit setting, or empty when it was never switched (and text is stored). */
    Optional<Boolean> explicitSetting(OrgId org);

    @Override
    default boolean storesText(OrgId org) {
        return explicitSetting(org).orElse(true);
    }
}
