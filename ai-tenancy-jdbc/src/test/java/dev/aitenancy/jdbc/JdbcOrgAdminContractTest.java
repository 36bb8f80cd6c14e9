package dev.aitenancy.jdbc;

import dev.aitenancy.contract.OrgAdminContract;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditSink;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link OrgAdminContract} over the JDBC parts, on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcOrgAdminContractTest extends OrgAdminContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final List<JdbcUsageSink> sinks = new ArrayList<>();

    @Override
    protected Parts newParts(MutableClock clock) {
        AiTenancyJdbc db = AiTenancyJdbc.create(databases.open(database), clock, true);
        JdbcUsageSink usage = db.usageSink();
        sinks.add(usage);
        return new Parts(db.modelCatalog(ModelRegistry.builtIn()), db.budgetLedger(dev.aitenancy.limits.BudgetAlertListener.NONE), usage,
                db.featureFlags(), db.templateStore(), db.usageTextSettings(), db.guardrailStore(),
                db.rateLimiter(RateLimitPolicy.DEFAULT), db.auditSink());
    }

    @Override
    protected AuditSink unavailableAudit(MutableClock clock) {
        DataSource real = databases.open(database);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        AuditSink audit = AiTenancyJdbc.create(flaky, clock, false).auditSink();
        flaky.down();
        return audit;
    }

    @AfterEach
    void drop() {
        sinks.forEach(JdbcUsageSink::close);
        databases.closeAll();
    }
}
