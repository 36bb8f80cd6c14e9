package dev.aitenancy.memory;

import dev.aitenancy.contract.ModelCatalogContract;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;

class InMemoryModelCatalogContractTest extends ModelCatalogContract {

    @Override
    protected Catalog newCatalog(ModelRegistry registry, TierPlan plan) {
        InMemoryModelCatalog catalog = new InMemoryModelCatalog(registry, plan);
        return new Catalog(catalog, catalog);
    }
}
