package dev.aitenancy.jdbc;

import dev.aitenancy.contract.GuardrailStoreContract;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link GuardrailStoreContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcGuardrailStoreContractTest extends GuardrailStoreContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected GuardrailStore newStore() {
        return AiTenancyJdbc.create(databases.open(database)).guardrailStore();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
