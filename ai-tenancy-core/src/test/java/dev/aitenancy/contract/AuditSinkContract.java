package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.SecretRead;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.AuditPage;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
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

    @Test
    void queriesFilterByActorActionAndPeriodAndPageWithAKeyset() {
        AuditSink audit = newSink();
        List<AuditEvent> acme = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String action = i % 3 == 0 ? "model.remove" : i % 3 == 1 ? "model.allow" : "budget.set";
            AuditEvent e = AuditEvent.of(ACME, i % 2 == 0 ? "ada@acme" : "bo@acme", action, "t" + i, null,
                    T0.plusSeconds(i));
            audit.record(e);
            acme.add(e);
        }
        // two events at the same instant: the page boundary must not drop or repeat one
        AuditEvent tieA = AuditEvent.of(ACME, "ada@acme", "feature.disable", "tie-a", null, T0.plusSeconds(20));
        AuditEvent tieB = AuditEvent.of(ACME, "ada@acme", "feature.disable", "tie-b", null, T0.plusSeconds(20));
        audit.record(tieA);
        audit.record(tieB);
        audit.record(AuditEvent.of(GLOBEX, "ada@acme", "model.remove", "g", null, T0.plusSeconds(3)));
        AuditQuery all = AuditQuery.of(ACME);

        assertThat(audit.query(all).events()).hasSize(12);
        assertThat(audit.query(all.withActor("bo@acme")).events()).extracting(AuditEvent::target)
                .containsExactly("t9", "t7", "t5", "t3", "t1");
        assertThat(audit.query(all.withAction("model.remove")).events()).extracting(AuditEvent::target)
                .containsExactly("t9", "t6", "t3", "t0");
        assertThat(audit.query(all.withAction("model.*")).events()).hasSize(7)
                .allMatch(e -> e.action().startsWith("model."));
        assertThat(audit.query(all.withAction("model")).events()).as("no prefix without .*").isEmpty();
        assertThat(audit.query(all.withActor("ada@acme").withAction("budget.set")
                .between(T0.plusSeconds(2), T0.plusSeconds(8))).events()).extracting(AuditEvent::target)
                .containsExactly("t2");
        assertThat(audit.query(all.between(T0.plusSeconds(5), T0.plusSeconds(7))).events())
                .extracting(AuditEvent::target).containsExactly("t6", "t5");

        List<String> seen = new ArrayList<>();
        AuditQuery pages = all.withLimit(5);
        AuditPage page = audit.query(pages);
        int count = 1;
        page.events().forEach(e -> seen.add(e.target()));
        while (page.hasMore()) {
            page = audit.query(pages.after(page));
            page.events().forEach(e -> seen.add(e.target()));
            count++;
        }
        assertThat(count).isEqualTo(3);
        assertThat(seen).hasSize(12).doesNotHaveDuplicates();
        assertThat(seen.subList(2, 12)).containsExactly("t9", "t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0");
        assertThat(seen.subList(0, 2)).containsExactlyInAnyOrder("tie-a", "tie-b");
        assertThat(audit.query(AuditQuery.of(GLOBEX)).events()).extracting(AuditEvent::target).containsExactly("g");
    }

    @Test
    void aBadCursorOrLimitIsRefusedAsAnInvalidRequest() {
        AuditSink audit = newSink();

        InvalidRequestException cursor = catchThrowableOfType(InvalidRequestException.class,
                () -> audit.query(new AuditQuery(ACME, null, null, null, null, 10, "not-a-cursor")));
        InvalidRequestException limit = catchThrowableOfType(InvalidRequestException.class,
                () -> AuditQuery.of(ACME).withLimit(0));

        assertThat(cursor.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(limit.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(limit.getMessage()).contains("1 to 1000");
    }
}
