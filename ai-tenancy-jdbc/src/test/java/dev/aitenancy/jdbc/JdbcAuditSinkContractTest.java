package dev.aitenancy.jdbc;

import dev.aitenancy.contract.AuditSinkContract;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link AuditSinkContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcAuditSinkContractTest extends AuditSinkContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected AuditSink newSink() {
        return AiTenancyJdbc.create(databases.open(database)).auditSink();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
