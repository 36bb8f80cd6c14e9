package dev.aitenancy.memory;

import dev.aitenancy.contract.FeatureFlagStoreContract;
import dev.aitenancy.features.FeatureFlagStore;

class InMemoryFeatureFlagsTest extends FeatureFlagStoreContract {

    @Override
    protected FeatureFlagStore newStore() {
        return new InMemoryFeatureFlags();
    }
}
