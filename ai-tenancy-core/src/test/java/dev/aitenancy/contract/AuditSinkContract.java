package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.SecretRead;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every audit log must do: keep each event whole, per org, newest first, within a period. */
public abstract class AuditSinkContract {

    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    protected abstract AuditSink newSink();

    @Test
    void eventsAreKeptWholePerOrgNewestFirstWithinThePeriod() {
        AuditSink audit = newSink();
        AuditEvent upsert = AuditEvent.of(ACME, "ada@acme", "key.upsert", "openai", "verified; ends in ****wxyz", T0);
        AuditEvent read = AuditEvent.of(new SecretRead(ACME, ProviderId.OPENAI, "corr-9", T0.plusSeconds(60)));
        AuditEvent delete = AuditEvent.of(ACME, "ada@acme", "key.delete", "openai", null, T0.plusSeconds(120));
        audit.record(upsert);
        audit.record(read);
        audit.record(delete);
        audit.record(AuditEvent.of(GLOBEX, "gus", "key.upsert", "gemini", null, T0.plusSeconds(30)));

        assertThat(audit.query(ACME, Instant.MIN, Instant.MAX, 10)).containsExactly(delete, read, upsert);
        assertThat(audit.query(ACME, T0.plusSeconds(1), T0.plusSeconds(120), 10)).containsExactly(read);
        assertThat(audit.query(ACME, Instant.MIN, Instant.MAX, 1)).containsExactly(delete);
        assertThat(audit.query(GLOBEX, Instant.MIN, Instant.MAX, 10)).hasSize(1);
        assertThat(read.action()).isEqualTo("secret.read");
        assertThat(read.actor()).isEqualTo("corr-9");
    }
}
