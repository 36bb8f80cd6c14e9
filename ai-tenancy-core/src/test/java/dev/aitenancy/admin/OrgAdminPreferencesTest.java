package dev.aitenancy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryPreferenceStore;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditQuery;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link OrgAdmin#setOrgPreferences}: the change is made and audited with who made it and what it set. */
class OrgAdminPreferencesTest {

    static final OrgId ACME = OrgId.of("acme");
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void orgPreferencesAreSetAndAudited() {
        MutableClock clock = new MutableClock(T0);
        InMemoryPreferenceStore store = new InMemoryPreferenceStore();
        InMemoryAuditSink audit = new InMemoryAuditSink();
        OrgAdmin admin = OrgAdmin.builder().audit(audit).preferences(store).clock(clock).build();
        AiPreferences prefs = new AiPreferences("formal,\nin British English", 300,
                ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"));

        admin.setOrgPreferences(ACME, prefs, "ada");
        clock.advance(Duration.ofSeconds(1));
        admin.setOrgPreferences(ACME, AiPreferences.NONE, "bo");
        clock.advance(Duration.ofSeconds(1));
        admin.setOrgPreferences(ACME, new AiPreferences("x".repeat(500), null, null), "ada");

        assertThat(admin.orgPreferences(ACME).tone()).hasSize(500);
        assertThat(store.user(ACME, "ada")).isEqualTo(AiPreferences.NONE);
        assertThat(admin.auditLog(AuditQuery.of(ACME)).events()).extracting(e -> e.actor() + " " + e.action() + " "
                + e.target() + " " + e.detail() + " " + e.at()).containsExactly(
                "ada preferences.org null tone '" + "x".repeat(200) + "…' 2026-11-24T10:00:02Z",
                "bo preferences.org null none 2026-11-24T10:00:01Z",
                "ada preferences.org null tone 'formal, in British English'; max answer tokens 300; "
                        + "model openai/gpt-4.1-mini 2026-11-24T10:00:00Z");
    }

    @Test
    void withoutAStoreItSaysWhichBuilderMethodToUse() {
        OrgAdmin admin = OrgAdmin.builder().audit(new InMemoryAuditSink()).build();

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> admin.setOrgPreferences(ACME, AiPreferences.NONE, "ada"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(e.getMessage()).contains("OrgAdmin.builder().preferences(...)");
    }
}
