package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aitenancy.contract.ModelCatalogContract;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.models.ModelRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The {@link ModelCatalogContract} on H2 and on PostgreSQL, plus what the schema itself enforces. */
class JdbcModelCatalogContractTest {

    abstract static class OnDatabase extends ModelCatalogContract {
        private final List<TestDatabase.Db> opened = new ArrayList<>();
        Jdbi jdbi;

        abstract TestDatabase kind();

        @Override
        protected Catalog newCatalog(ModelRegistry registry) {
            TestDatabase.Db db = kind().open();
            opened.add(db);
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource(), Clock.systemUTC(), true);
            jdbi = jdbc.jdbi();
            JdbcModelCatalog catalog = jdbc.modelCatalog(registry);
            return new Catalog(catalog, catalog);
        }

        @AfterEach
        void drop() {
            opened.forEach(TestDatabase.Db::close);
        }

        @Test
        void theDatabaseRefusesASecondDefaultForOneProviderEvenBehindTheLibrarysBack() {
            Catalog c = newCatalog(REGISTRY);
            c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).allow(ACME, HAIKU, null)
                    .setDefault(ACME, MINI).setDefault(ACME, HAIKU);

            Throwable second = catchThrowable(() -> jdbi.useHandle(h -> h.execute(
                    "UPDATE ai_org_models SET is_default = TRUE WHERE org_id = 'acme' AND model = 'gpt-4.1-nano'")));

            assertThat(second).as("unique default per (org, provider)").isNotNull();
            assertThat(c.admin().models(ACME)).filteredOn(m -> m.isDefault()).hasSize(2);
        }
    }

    @Nested
    class OnH2 extends OnDatabase {
        @Override
        TestDatabase kind() {
            return TestDatabase.H2;
        }
    }

    @Nested
    class OnPostgreSql extends OnDatabase {
        @Override
        TestDatabase kind() {
            return TestDatabase.POSTGRESQL;
        }
    }
}
