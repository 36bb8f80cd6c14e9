package dev.aitenancy.jdbc;

import dev.aitenancy.contract.TemplateStoreContract;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link TemplateStoreContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcTemplateStoreContractTest extends TemplateStoreContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected TemplateStore newStore() {
        return AiTenancyJdbc.create(databases.open(database)).templateStore();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
