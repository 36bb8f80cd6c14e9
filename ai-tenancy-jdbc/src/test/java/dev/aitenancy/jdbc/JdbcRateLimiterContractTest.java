package dev.aitenancy.jdbc;

import dev.aitenancy.contract.RateLimiterContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.RateLimitPolicy;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link RateLimiterContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcRateLimiterContractTest extends RateLimiterContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected Limiter newLimiter(Clock clock, RateLimitPolicy defaults) {
        JdbcRateLimiter limiter = AiTenancyJdbc.create(databases.open(database), clock, true).rateLimiter(defaults);
        return new Limiter(limiter, limiter);
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
