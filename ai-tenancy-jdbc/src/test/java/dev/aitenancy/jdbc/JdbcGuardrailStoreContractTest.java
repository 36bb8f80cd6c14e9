package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.contract.GuardrailStoreContract;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.testing.LogCapture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link GuardrailStoreContract} on H2 and on PostgreSQL, and what only a database holds: rules saved long ago. */
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

    @Test
    void aRuleStoredWithAPatternThatCannotRunStillLoadsWithTheOrgsOtherRules() throws Exception {
        // given a rule saved before patterns had to run in linear time (a lookbehind), among others
        DataSource ds = databases.open(database);
        GuardrailStore store = AiTenancyJdbc.create(ds).guardrailStore();
        Guardrail old = store.save(Guardrail.forOrg(ACME, "card numbers",
                ContentFilter.input(List.of("salary"), List.of("\\d{4}")), GuardrailAction.BLOCK));
        Guardrail other = store.save(Guardrail.forOrg(ACME, "slow down", new GuardrailRule.RateLimit(5),
                GuardrailAction.BLOCK));
        // (a pattern of its own per database: the warning is logged once per pattern and JVM)
        String lookbehind = "(?<=card )\\d{" + (4 + database.ordinal()) + "}";
        String stored = "{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"],\"patterns\":[\""
                + lookbehind.replace("\\", "\\\\") + "\"],\"target\":\"INPUT\"}";
        try (Connection c = ds.getConnection();
                PreparedStatement update = c.prepareStatement("UPDATE ai_guardrails SET rule = ? WHERE name = ?")) {
            update.setString(1, stored);
            update.setString(2, "card numbers");
            assertThat(update.executeUpdate()).isEqualTo(1);
        }

        // when the org's rules are read
        AtomicReference<List<Guardrail>> read = new AtomicReference<>();
        String log = LogCapture.stderrOf(() -> read.set(store.guardrails(ACME)));

        // then every rule is there, the old one as it was stored, and the log says what to fix
        assertThat(read.get()).extracting(Guardrail::id).containsExactly(old.id(), other.id());
        assertThat(read.get().get(0).rule()).isInstanceOfSatisfying(ContentFilter.class,
                f -> assertThat(f.patterns()).containsExactly(lookbehind));
        assertThat(read.get().get(1)).isEqualTo(other);
        assertThat(log).contains("pattern '" + lookbehind + "' uses a lookbehind");
    }

    @Test
    void aRuleTooLargeForItsColumnIsRefusedWithAMessage() {
        GuardrailStore store = newStore();
        String disclaimer = "x".repeat(70_000);

        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, () -> store.save(
                Guardrail.forOrg(ACME, "long", GuardrailRule.OutputModifier.append(disclaimer), GuardrailAction.MODIFY)));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e.getMessage()).contains("at most 65536").doesNotContain(disclaimer);
        assertThat(store.guardrails(ACME)).isEmpty();
    }
}
