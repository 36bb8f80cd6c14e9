package dev.aitenancy.jdbc;

import dev.aitenancy.contract.FeatureFlagStoreContract;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link FeatureFlagStoreContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcFeatureFlagsContractTest extends FeatureFlagStoreContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected FeatureFlagStore newStore() {
        return AiTenancyJdbc.create(databases.open(database)).featureFlags();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
