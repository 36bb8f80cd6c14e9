package dev.aitenancy.memory;

import dev.aitenancy.contract.KeyStoreContract;
import dev.aitenancy.keys.KeyStore;

class InMemoryKeyStoreTest extends KeyStoreContract {

    @Override
    protected KeyStore newStore() {
        return new InMemoryKeyStore();
    }
}
