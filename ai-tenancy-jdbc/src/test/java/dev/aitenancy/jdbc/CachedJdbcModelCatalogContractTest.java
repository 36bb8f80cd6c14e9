package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.contract.ModelCatalogContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link ModelCatalogContract} on a catalog with a view cache, on H2 and PostgreSQL: its own
 * changes apply at once; changes behind its back apply when the cached view expires.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class CachedJdbcModelCatalogContractTest extends ModelCatalogContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    private Jdbi jdbi;

    @Override
    protected Catalog newCatalog(ModelRegistry registry, TierPlan plan) {
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(databases.open(database), clock, true)
                .withConfigCache(Duration.ofSeconds(5));
        jdbi = jdbc.jdbi();
        JdbcModelCatalog catalog = jdbc.modelCatalog(registry, plan);
        return new Catalog(catalog, catalog);
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @Test
    void aChangeMadeElsewhereAppliesWhenTheCachedViewExpires() {
        Catalog c = newCatalog(REGISTRY);
        c.admin().allow(ACME, MINI, null).allow(ACME, NANO, null).setDefault(ACME, MINI)
                .setDefaultProvider(ACME, ProviderId.OPENAI);
        ModelRequest nothing = new ModelRequest(null, null, null, null);
        String before = c.catalog().resolve(ACME, Caller.ANONYMOUS, nothing).ref().model();

        // another instance makes nano the default
        jdbi.useHandle(h -> {
            h.execute("UPDATE ai_org_models SET is_default = FALSE WHERE org_id = 'acme'");
            h.execute("UPDATE ai_org_models SET is_default = TRUE WHERE org_id = 'acme' AND model = 'gpt-4.1-nano'");
        });
        String cached = c.catalog().resolve(ACME, Caller.ANONYMOUS, nothing).ref().model();
        clock.advance(Duration.ofSeconds(5));
        String expired = c.catalog().resolve(ACME, Caller.ANONYMOUS, nothing).ref().model();

        assertThat(before).isEqualTo("gpt-4.1-mini");
        assertThat(cached).as("within the cache's lifetime").isEqualTo("gpt-4.1-mini");
        assertThat(expired).isEqualTo("gpt-4.1-nano");
    }
}
