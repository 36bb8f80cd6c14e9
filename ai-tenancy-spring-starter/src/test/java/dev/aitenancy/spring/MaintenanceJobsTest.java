package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.maintenance.DailySummariesJob;
import dev.aitenancy.maintenance.RetentionPurgeJob;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageSummaries;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The scheduled maintenance jobs in real Spring contexts on H2 and PostgreSQL: two instances sharing
 * one database run each period once, the purge removes exactly the old records, and the properties
 * switch each job off.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class MaintenanceJobsTest {

    private static final String MASTER_KEY = SecretCipher.generateBase64Key();
    private static final OrgId ACME = OrgId.of("acme");
    private static final OrgId GLOBEX = OrgId.of("globex");
    /** 00:05 UTC on 2026-11-25: the summaries' trigger time, yesterday is 2026-11-24. */
    private static final Instant NOW = Instant.parse("2026-11-25T00:05:00Z");
    private static final LocalDate YESTERDAY = LocalDate.of(2026, 11, 24);

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    /** An instance of the host application on {@code ds}; its triggers never fire (the tests run the jobs). */
    private static ApplicationContextRunner instance(DataSource ds, Clock clock, String... properties) {
        return new ApplicationContextRunner().withConfiguration(TestApp.STARTER)
                .withBean(DataSource.class, () -> ds)
                .withBean(Clock.class, () -> clock)
                .withPropertyValues("ai-tenancy.master-key=" + MASTER_KEY,
                        "ai-tenancy.jobs.daily-summaries.cron=-", "ai-tenancy.jobs.retention-purge.cron=-")
                .withPropertyValues(properties);
    }

    private static void call(UsageLog usage, OrgId org, Instant at) {
        UsageRecord r = UsageRecord.builder(UUID.randomUUID(), org.value(), at).userId("u-" + at.getEpochSecond())
                .provider("openai").model("gpt-4.1-mini").build();
        usage.started(r);
        usage.finished(r.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.usd(new BigDecimal("0.01")), null, null,
                null, at.plusMillis(100)));
    }

    private static List<AuditEvent> events(AuditSink audit, OrgId org, String action) {
        return audit.query(AuditQuery.of(org).withAction(action)).events();
    }

    private static long rows(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void twoInstancesFiringAtTheSameMomentRunEachPeriodOnce() throws Exception {
        DataSource ds = databases.open(database);
        MutableClock clock = new MutableClock(NOW);
        Instant cutoff = NOW.minus(Duration.ofDays(30));
        // lock-at-least-for 0: a run that comes second finds either the lock taken or its period done
        String[] props = {"ai-tenancy.jobs.retention-purge.retention=30d", "ai-tenancy.jobs.lock-at-least-for=0s"};
        instance(ds, clock, props).run(a -> instance(ds, clock, props).run(b -> {
            assertThat(a).hasNotFailed();
            assertThat(b).hasNotFailed();
            UsageLog usage = a.getBean(UsageLog.class);
            call(usage, ACME, YESTERDAY.atTime(9, 0).toInstant(ZoneOffset.UTC));
            call(usage, ACME, YESTERDAY.atTime(10, 0).toInstant(ZoneOffset.UTC));
            call(usage, GLOBEX, YESTERDAY.minusDays(2).atTime(10, 0).toInstant(ZoneOffset.UTC));
            call(usage, ACME, cutoff.minusSeconds(1));
            call(usage, GLOBEX, cutoff.minus(Duration.ofDays(3)));
            call(usage, GLOBEX, cutoff.plusSeconds(1));
            assertThat(usage.totals(UsageQuery.of(ACME)).requests()).isEqualTo(3); // written before the jobs read
            List<AiTenancyJobs> instances = List.of(a.getBean(AiTenancyJobs.class), b.getBean(AiTenancyJobs.class));
            List<Optional<DailySummariesJob.Result>> summaries = new CopyOnWriteArrayList<>();
            List<Optional<RetentionPurgeJob.Result>> purges = new CopyOnWriteArrayList<>();

            for (int round = 0; round < 3; round++) {
                Concurrently.run(2, i -> {
                    summaries.add(instances.get(i).runDailySummaries());
                    purges.add(instances.get(i).runRetentionPurge());
                });
            }

            assertThat(summaries.stream().flatMap(Optional::stream).filter(r -> !r.days().isEmpty()).toList())
                    .singleElement().satisfies(r -> assertThat(r.days())
                            .containsExactly(YESTERDAY.minusDays(2), YESTERDAY.minusDays(1), YESTERDAY));
            assertThat(purges.stream().flatMap(Optional::stream).filter(RetentionPurgeJob.Result::ran).toList())
                    .singleElement().satisfies(r -> assertThat(r.removed()).isEqualTo(Map.of(ACME, 1L, GLOBEX, 1L)));
            AuditSink audit = b.getBean(AuditSink.class);
            assertThat(events(audit, ACME, DailySummariesJob.ACTION)).extracting(AuditEvent::target)
                    .containsExactly("2026-11-24");
            assertThat(events(audit, GLOBEX, DailySummariesJob.ACTION)).extracting(AuditEvent::target)
                    .containsExactly("2026-11-22");
            assertThat(events(audit, ACME, RetentionPurgeJob.ACTION)).singleElement()
                    .satisfies(e -> assertThat(e.actor()).isEqualTo("system"));
            assertThat(events(audit, GLOBEX, RetentionPurgeJob.ACTION)).singleElement()
                    .satisfies(e -> assertThat(e.detail()).startsWith("removed 1 records started before " + cutoff));
            assertThat(rows(ds, "SELECT COUNT(*) FROM ai_job_runs")).isEqualTo(4); // 3 days, 1 purge
            assertThat(rows(ds, "SELECT COUNT(*) FROM ai_usage_daily WHERE usage_day = DATE '2026-11-24'"))
                    .isEqualTo(2);
            assertThat(((UsageSummaries) usage).daily(ACME, YESTERDAY, YESTERDAY))
                    .extracting(s -> s.requests()).containsExactly(1L, 1L);
            assertThat(usage.query(UsageQuery.of(ACME)).records()).hasSize(2);
            assertThat(usage.query(UsageQuery.of(GLOBEX)).records()).extracting(UsageRecord::startedAt)
                    .containsExactlyInAnyOrder(YESTERDAY.minusDays(2).atTime(10, 0).toInstant(ZoneOffset.UTC),
                            cutoff.plusSeconds(1));
            assertThat(rows(ds, "SELECT COUNT(*) FROM ai_shedlock")).isEqualTo(2);
        }));
    }

    @Test
    void aRunHoldsTheSharedLockForLockAtLeastForSoALaterTriggerOfAnotherInstanceDoesNothing() {
        DataSource ds = databases.open(database);
        MutableClock clock = new MutableClock(NOW);
        instance(ds, clock).run(a -> instance(ds, clock).run(b -> {
            Optional<DailySummariesJob.Result> first = a.getBean(AiTenancyJobs.class).runDailySummaries();
            clock.advance(Duration.ofDays(1)); // even with a new day to summarize
            Optional<DailySummariesJob.Result> second = b.getBean(AiTenancyJobs.class).runDailySummaries();

            assertThat(first).isPresent();
            assertThat(second).as("the lock is held for a minute").isEmpty();
        }));
    }

    @Test
    void withTheDatabaseSummariesAreOnAndThePurgeOnlyWithARetentionAndPropertiesSwitchEachOff() {
        DataSource ds = databases.open(database);
        MutableClock clock = new MutableClock(NOW);
        instance(ds, clock).run(ctx -> {
            AiTenancyJobs jobs = ctx.getBean(AiTenancyJobs.class);
            assertThat(jobs.dailySummariesEnabled()).isTrue();
            assertThat(jobs.retentionPurgeEnabled()).isFalse();
            assertThat(jobs.describe()).contains("lock: ShedLock in ai_shedlock");
            assertThatThrownBy(jobs::runRetentionPurge).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ai-tenancy.jobs.retention-purge.enabled");
        });
        instance(ds, clock, "ai-tenancy.jobs.retention-purge.retention=90d",
                "ai-tenancy.jobs.daily-summaries.enabled=false").run(ctx -> {
            AiTenancyJobs jobs = ctx.getBean(AiTenancyJobs.class);
            assertThat(jobs.dailySummariesEnabled()).isFalse();
            assertThat(jobs.retentionPurgeEnabled()).isTrue();
            assertThatThrownBy(jobs::runDailySummaries).isInstanceOf(IllegalStateException.class);
            assertThat(jobs.runRetentionPurge()).get().satisfies(r ->
                    assertThat(r.cutoff()).isEqualTo(NOW.minus(Duration.ofDays(90))));
        });
        instance(ds, clock, "ai-tenancy.jobs.retention-purge.retention=90d",
                "ai-tenancy.jobs.retention-purge.enabled=false").run(ctx ->
                assertThat(ctx.getBean(AiTenancyJobs.class).retentionPurgeEnabled()).isFalse());
        // enabled without a retention of its own: the usage retention (60 days by default)
        instance(ds, clock, "ai-tenancy.jobs.retention-purge.enabled=true").run(ctx ->
                assertThat(ctx.getBean(AiTenancyJobs.class).retentionPurgeEnabled()).isTrue());
    }
}
