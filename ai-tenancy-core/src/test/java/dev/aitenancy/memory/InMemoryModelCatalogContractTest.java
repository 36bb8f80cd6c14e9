package dev.aitenancy.memory;

import dev.aitenancy.contract.ModelCatalogContract;
import dev.aitenancy.models.ModelRegistry;

class InMemoryModelCatalogContractTest extends ModelCatalogContract {

    @Override
    protected Catalog newCatalog(ModelRegistry registry) {
        InMemoryModelCatalog catalog = new InMemoryModelCatalog(registry);
        return new Catalog(catalog, catalog);
    }
}
