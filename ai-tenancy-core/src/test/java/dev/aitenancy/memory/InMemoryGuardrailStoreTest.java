package dev.aitenancy.memory;

import dev.aitenancy.contract.GuardrailStoreContract;
import dev.aitenancy.guardrails.GuardrailStore;

class InMemoryGuardrailStoreTest extends GuardrailStoreContract {

    @Override
    protected GuardrailStore newStore() {
        return new InMemoryGuardrailStore();
    }
}
