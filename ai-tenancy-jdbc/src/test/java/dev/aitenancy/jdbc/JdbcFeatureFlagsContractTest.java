package dev.aitenancy.jdbc;

import dev.aitenancy.contract.FeatureFlagStoreContract;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.features.FeatureFlagStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The {@link FeatureFlagStoreContract} on H2 and on PostgreSQL. */
class JdbcFeatureFlagsContractTest {

    abstract static class OnDatabase extends FeatureFlagStoreContract {
        private final List<TestDatabase.Db> opened = new ArrayList<>();

        abstract TestDatabase kind();

        @Override
        protected FeatureFlagStore newStore() {
            TestDatabase.Db db = kind().open();
            opened.add(db);
            return AiTenancyJdbc.create(db.dataSource()).featureFlags();
        }

        @AfterEach
        void drop() {
            opened.forEach(TestDatabase.Db::close);
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
