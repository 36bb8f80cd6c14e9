package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.StoreException;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link JdbcPreferenceStore} beyond the contract: the rows it keeps, the config cache, and a
 * database that cannot be reached.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcPreferenceStoreTest {

    static final OrgId ACME = OrgId.of("acme");
    static final AiPreferences FORMAL = new AiPreferences("formal", 300, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"));

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @Test
    void anOrgsRowHasAnEmptyUserIdAndNothingSetLeavesNoRow() {
        DataSource ds = databases.open(database);
        JdbcPreferenceStore store = AiTenancyJdbc.create(ds).preferenceStore();

        store.setOrg(ACME, FORMAL);
        store.setUser(ACME, "ada", new AiPreferences(null, 50, null));
        List<String> rows = rows(ds);
        store.setOrg(ACME, AiPreferences.NONE);
        store.clearUser(ACME, "ada");

        assertThat(rows).containsExactly("acme|''|formal|300|openai|gpt-4.1-mini",
                "acme|'ada'|null|50|null|null");
        assertThat(rows(ds)).isEmpty();
    }

    @Test
    void ownWritesApplyAtOnceOthersWithinTheCacheLifetime() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        DataSource ds = databases.open(database);
        Duration ttl = Duration.ofSeconds(5);
        JdbcPreferenceStore here = AiTenancyJdbc.create(ds, clock, true).withConfigCache(ttl).preferenceStore();
        JdbcPreferenceStore elsewhere = AiTenancyJdbc.create(ds, clock, false).preferenceStore();
        assertThat(here.org(ACME)).isEqualTo(AiPreferences.NONE); // read and kept
        assertThat(here.user(ACME, "ada")).isEqualTo(AiPreferences.NONE);

        elsewhere.setOrg(ACME, FORMAL);
        elsewhere.setUser(ACME, "ada", new AiPreferences("terse", null, null));
        AiPreferences orgWithin = here.org(ACME);
        AiPreferences userWithin = here.user(ACME, "ada");
        clock.advance(ttl);
        AiPreferences orgAfter = here.org(ACME);
        AiPreferences userAfter = here.user(ACME, "ada");
        here.clearUser(ACME, "ada");
        here.setOrg(ACME, new AiPreferences(null, 10, null));

        assertThat(orgWithin).isEqualTo(AiPreferences.NONE);
        assertThat(userWithin).isEqualTo(AiPreferences.NONE);
        assertThat(orgAfter).isEqualTo(FORMAL);
        assertThat(userAfter.tone()).isEqualTo("terse");
        assertThat(here.user(ACME, "ada")).as("own change at once").isEqualTo(AiPreferences.NONE);
        assertThat(here.org(ACME)).isEqualTo(new AiPreferences(null, 10, null));
    }

    @Test
    void anUnreachableDatabaseIsAStoreFailureWithoutSql() {
        DataSource real = databases.open(database);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        JdbcPreferenceStore store = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false).preferenceStore();
        flaky.down();

        StoreException read = catchThrowableOfType(StoreException.class, () -> store.user(ACME, "ada"));
        StoreException write = catchThrowableOfType(StoreException.class, () -> store.setOrg(ACME, FORMAL));
        StoreException clear = catchThrowableOfType(StoreException.class, () -> store.clearUser(ACME, "ada"));
        flaky.up();

        for (StoreException e : List.of(read, write, clear)) {
            assertThat(e.code()).isEqualTo(ErrorCode.AI_STORE_UNAVAILABLE);
            assertThat(e.orgId()).isEqualTo("acme");
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("org acme", "try again").doesNotContainIgnoringCase("select")
                    .doesNotContainIgnoringCase("insert").doesNotContainIgnoringCase("delete")
                    .doesNotContain("ai_preferences");
        }
        assertThat(read.getMessage()).contains("could not read the AI preferences");
        assertThat(write.getMessage()).contains("could not save the AI preferences");
        assertThat(store.org(ACME)).as("nothing was written").isEqualTo(AiPreferences.NONE);
    }

    private static List<String> rows(DataSource ds) {
        return Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT org_id, user_id, tone, max_answer_tokens, "
                        + "model_provider, model_id FROM ai_preferences ORDER BY org_id, user_id")
                .map((rs, ctx) -> rs.getString(1) + "|'" + rs.getString(2) + "'|" + rs.getString(3) + "|"
                        + rs.getObject(4) + "|" + rs.getString(5) + "|" + rs.getString(6))
                .list());
    }
}
