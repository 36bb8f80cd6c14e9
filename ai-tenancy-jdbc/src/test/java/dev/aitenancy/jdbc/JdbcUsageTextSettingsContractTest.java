package dev.aitenancy.jdbc;

import dev.aitenancy.contract.UsageTextSettingsContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.usage.UsageTextSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link UsageTextSettingsContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcUsageTextSettingsContractTest extends UsageTextSettingsContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected UsageTextSettings newSettings() {
        return AiTenancyJdbc.create(databases.open(database)).usageTextSettings();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
