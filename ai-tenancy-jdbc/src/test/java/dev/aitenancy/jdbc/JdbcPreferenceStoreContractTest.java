package dev.aitenancy.jdbc;

import dev.aitenancy.contract.PreferenceStoreContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.preferences.PreferenceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link PreferenceStoreContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcPreferenceStoreContractTest extends PreferenceStoreContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected PreferenceStore newStore() {
        return AiTenancyJdbc.create(databases.open(database)).preferenceStore();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
