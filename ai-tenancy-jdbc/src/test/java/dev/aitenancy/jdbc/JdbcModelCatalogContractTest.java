package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aitenancy.contract.ModelCatalogContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.TierPlan;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link ModelCatalogContract} on H2 and on PostgreSQL, plus what the schema itself enforces. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcModelCatalogContractTest extends ModelCatalogContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private Jdbi jdbi;

    @Override
    protected Catalog newCatalog(ModelRegistry registry, TierPlan plan) {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(databases.open(database));
        jdbi = jdbc.jdbi();
        JdbcModelCatalog catalog = jdbc.modelCatalog(registry, plan);
        return new Catalog(catalog, catalog);
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @Test
    void theDatabaseRefusesASecondDefaultForOneProviderEvenBehindTheLibrarysBack() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                .setDefault(ACME, MINI).setDefault(ACME, HAIKU);

        Throwable second = catchThrowable(() -> jdbi.useHandle(h -> h.execute(
                "UPDATE ai_org_models SET is_default = TRUE WHERE org_id = 'acme' AND model = 'gpt-4.1-nano'")));

        assertThat(second).as("unique default per (org, provider)").isNotNull();
        assertThat(c.admin().models(ACME)).filteredOn(OrgModel::isDefault).hasSize(2);
    }
}
