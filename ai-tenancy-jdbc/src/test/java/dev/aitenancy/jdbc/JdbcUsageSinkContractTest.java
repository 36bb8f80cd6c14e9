package dev.aitenancy.jdbc;

import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.contract.UsageSinkContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.usage.UsageSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link UsageSinkContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcUsageSinkContractTest extends UsageSinkContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final List<JdbcUsageSink> sinks = new ArrayList<>();

    @Override
    protected UsageLog newSink() {
        JdbcUsageSink sink = AiTenancyJdbc.create(databases.open(database)).usageSink();
        sinks.add(sink);
        return sink;
    }

    @AfterEach
    void drop() {
        sinks.forEach(JdbcUsageSink::close);
        databases.closeAll();
    }
}
