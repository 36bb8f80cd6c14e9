package dev.aitenancy.memory;

import dev.aitenancy.contract.PreferenceStoreContract;
import dev.aitenancy.preferences.PreferenceStore;

class InMemoryPreferenceStoreTest extends PreferenceStoreContract {

    @Override
    protected PreferenceStore newStore() {
        return new InMemoryPreferenceStore();
    }
}
