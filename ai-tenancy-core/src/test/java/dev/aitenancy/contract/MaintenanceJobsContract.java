package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.maintenance.DailySummariesJob;
import dev.aitenancy.maintenance.JobRun;
import dev.aitenancy.maintenance.JobRuns;
import dev.aitenancy.maintenance.RetentionPurgeJob;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageSummaries;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the maintenance jobs do on every store that runs them: each period once, exactly the old
 * records removed, one audit event per org and period.
 */
public abstract class MaintenanceJobsContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final OrgId INITECH = OrgId.of("initech");
    /** 00:05 UTC on 2026-11-25: yesterday is 2026-11-24. */
    protected static final Instant NOW = Instant.parse("2026-11-25T00:05:00Z");
    protected static final LocalDate YESTERDAY = LocalDate.of(2026, 11, 24);

    /** The usage log (also its summaries), the audit log and the job runs of one fresh store. */
    public record Stores(UsageLog usage, AuditSink audit, JobRuns runs) {
        UsageSummaries summaries() {
            return (UsageSummaries) usage;
        }
    }

    protected abstract Stores newStores();

    private static void call(UsageLog usage, OrgId org, Instant at, String user) {
        UsageRecord r = UsageRecord.builder(UUID.randomUUID(), org.value(), at).userId(user).provider("openai")
                .model("gpt-4.1-mini").build();
        usage.started(r);
        usage.finished(r.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.usd(new BigDecimal("0.01")), null, null,
                null, at.plusMillis(100)));
    }

    private static List<AuditEvent> events(AuditSink audit, OrgId org, String action) {
        return audit.query(AuditQuery.of(org).withAction(action)).events();
    }

    @Test
    void aRunOfAJobAndPeriodIsRecordedOnceAndTheFirstStays() {
        JobRuns runs = newStores().runs();
        JobRun first = new JobRun("daily-summaries", "2026-11-24", NOW, "12 summary rows for 2 orgs");

        boolean recorded = runs.record(first);
        boolean again = runs.record(new JobRun("daily-summaries", "2026-11-24", NOW.plusSeconds(5), "other"));

        assertThat(recorded).isTrue();
        assertThat(again).isFalse();
        assertThat(runs.find("daily-summaries", "2026-11-24")).contains(first);
        assertThat(runs.find("daily-summaries", "2026-11-23")).isEmpty();
        assertThat(runs.find("retention-purge", "2026-11-24")).isEmpty();
    }

    @Test
    void theSummariesOfEachCompleteDayAreComputedOnceAndEachOrgSeesItsDayInTheAuditLog() {
        Stores s = newStores();
        MutableClock clock = new MutableClock(NOW);
        call(s.usage(), ACME, YESTERDAY.atTime(9, 0).toInstant(ZoneOffset.UTC), "alice");
        call(s.usage(), ACME, YESTERDAY.atTime(23, 59).toInstant(ZoneOffset.UTC), "bob");
        call(s.usage(), GLOBEX, YESTERDAY.atTime(12, 0).toInstant(ZoneOffset.UTC), "gus");
        call(s.usage(), GLOBEX, YESTERDAY.minusDays(1).atTime(12, 0).toInstant(ZoneOffset.UTC), "gus");
        call(s.usage(), ACME, NOW, "alice"); // today: not complete, not summarized
        DailySummariesJob job = new DailySummariesJob(s.summaries(), s.audit(), s.runs(), clock, 2);

        DailySummariesJob.Result first = job.run();
        DailySummariesJob.Result second = job.run();

        assertThat(first.days()).containsExactly(YESTERDAY.minusDays(1), YESTERDAY);
        assertThat(first.rows()).isEqualTo(Map.of(YESTERDAY.minusDays(1), 1, YESTERDAY, 3));
        assertThat(second.days()).isEmpty();
        assertThat(s.summaries().daily(YESTERDAY)).extracting(DailySummary::org).containsExactly(ACME, ACME, GLOBEX);
        assertThat(s.summaries().daily(ACME, YESTERDAY, YESTERDAY.plusDays(1))).extracting(DailySummary::requests)
                .containsExactly(1L, 1L);
        assertThat(events(s.audit(), ACME, DailySummariesJob.ACTION)).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo(DailySummariesJob.ACTOR);
            assertThat(e.target()).isEqualTo("2026-11-24");
            assertThat(e.detail()).isEqualTo("summarized 2 requests of 2026-11-24 (UTC) into 2 rows");
        });
        assertThat(events(s.audit(), GLOBEX, DailySummariesJob.ACTION)).extracting(AuditEvent::target)
                .containsExactly("2026-11-24", "2026-11-23");
        assertThat(s.runs().find(DailySummariesJob.NAME, "2026-11-24")).get().extracting(JobRun::detail)
                .isEqualTo("3 summary rows for 2 orgs");

        // the next day summarizes only the day that became complete
        clock.advance(Duration.ofDays(1));
        assertThat(job.run().days()).containsExactly(YESTERDAY.plusDays(1));
        assertThat(events(s.audit(), ACME, DailySummariesJob.ACTION)).extracting(AuditEvent::target)
                .containsExactly("2026-11-25", "2026-11-24");
    }

    @Test
    void thePurgeRemovesExactlyTheRecordsOlderThanTheRetentionOncePerDay() {
        Stores s = newStores();
        MutableClock clock = new MutableClock(NOW);
        Duration retention = Duration.ofDays(30);
        Instant cutoff = NOW.minus(retention);
        call(s.usage(), ACME, cutoff.minusSeconds(1), "old");
        call(s.usage(), ACME, cutoff.minus(Duration.ofDays(10)), "older");
        call(s.usage(), ACME, cutoff, "kept");            // exactly at the cutoff: kept
        call(s.usage(), GLOBEX, cutoff.minusMillis(1), "old");
        call(s.usage(), INITECH, cutoff.plusSeconds(1), "kept");
        RetentionPurgeJob job = new RetentionPurgeJob(s.usage(), s.audit(), s.runs(), clock, retention,
                ZoneId.of("Europe/Berlin"));

        assertThat(s.usage().orgsWithRecordsBefore(cutoff)).containsExactly(ACME, GLOBEX);
        RetentionPurgeJob.Result first = job.run();
        call(s.usage(), ACME, cutoff.minus(Duration.ofDays(1)), "late");   // arrives after the day's purge
        RetentionPurgeJob.Result second = job.run();

        assertThat(first.ran()).isTrue();
        assertThat(first.period()).isEqualTo(LocalDate.of(2026, 11, 25));
        assertThat(first.cutoff()).isEqualTo(cutoff);
        assertThat(first.removed()).isEqualTo(Map.of(ACME, 2L, GLOBEX, 1L));
        assertThat(second.ran()).isFalse();
        assertThat(s.usage().query(UsageQuery.of(ACME)).records()).extracting(UsageRecord::userId)
                .containsExactlyInAnyOrder("kept", "late");
        assertThat(s.usage().query(UsageQuery.of(GLOBEX)).records()).isEmpty();
        assertThat(s.usage().query(UsageQuery.of(INITECH)).records()).hasSize(1);
        assertThat(events(s.audit(), ACME, RetentionPurgeJob.ACTION)).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("system");
            assertThat(e.target()).isEqualTo("2026-11-25");
            assertThat(e.detail()).isEqualTo("removed 2 records started before " + cutoff + " (retention PT720H)");
        });
        assertThat(events(s.audit(), GLOBEX, RetentionPurgeJob.ACTION)).hasSize(1);
        assertThat(events(s.audit(), INITECH, RetentionPurgeJob.ACTION)).isEmpty();

        // the next day's purge takes what became old since
        clock.advance(Duration.ofDays(1));
        assertThat(job.run().removed()).isEqualTo(Map.of(ACME, 2L, INITECH, 1L));
        assertThat(s.usage().orgsWithRecordsBefore(clock.instant())).isEmpty();
    }
}
