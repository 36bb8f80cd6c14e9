package dev.aitenancy.memory;

import dev.aitenancy.contract.TemplateStoreContract;
import dev.aitenancy.template.TemplateStore;

class InMemoryTemplateStoreTest extends TemplateStoreContract {

    @Override
    protected TemplateStore newStore() {
        return new InMemoryTemplateStore();
    }
}
