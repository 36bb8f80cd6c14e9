package dev.aitenancy.jdbc;

import dev.aitenancy.contract.MaintenanceJobsContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link MaintenanceJobsContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcMaintenanceJobsContractTest extends MaintenanceJobsContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final List<JdbcUsageSink> sinks = new ArrayList<>();

    @Override
    protected Stores newStores() {
        AiTenancyJdbc db = AiTenancyJdbc.create(databases.open(database));
        JdbcUsageSink sink = db.usageSink();
        sinks.add(sink);
        return new Stores(sink, db.auditSink(), db.jobRuns());
    }

    @AfterEach
    void drop() {
        sinks.forEach(JdbcUsageSink::close);
        databases.closeAll();
    }
}
