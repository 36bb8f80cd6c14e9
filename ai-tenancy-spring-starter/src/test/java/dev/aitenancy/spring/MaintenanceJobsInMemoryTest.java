package dev.aitenancy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.maintenance.DailySummariesJob;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.UsageSummaries;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The maintenance jobs without a database: off unless switched on, on a lock of this instance, and what a failed run does. */
class MaintenanceJobsInMemoryTest {

    private static final Instant NOW = Instant.parse("2026-11-25T00:05:00Z");

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(TestApp.STARTER)
            .withBean(Clock.class, () -> new MutableClock(NOW));

    @Test
    void inMemoryTheJobsAreOffUnlessSwitchedOnAndLockInThisInstance() {
        runner.run(ctx -> {
            AiTenancyJobs jobs = ctx.getBean(AiTenancyJobs.class);
            assertThat(jobs.dailySummariesEnabled()).isFalse();
            assertThat(jobs.retentionPurgeEnabled()).isFalse();
            assertThat(jobs.isRunning()).as("nothing scheduled").isFalse();
        });
        runner.withPropertyValues("ai-tenancy.jobs.daily-summaries.enabled=true",
                "ai-tenancy.jobs.daily-summaries.cron=-").run(ctx -> {
            AiTenancyJobs jobs = ctx.getBean(AiTenancyJobs.class);
            assertThat(jobs.describe()).contains("lock: this instance only");
            assertThat(jobs.runDailySummaries()).get().satisfies(r -> assertThat(r.days()).hasSize(3));
            assertThat(jobs.runDailySummaries()).get().satisfies(r -> assertThat(r.days()).isEmpty());
        });
    }

    /** Summaries whose first {@code failures} runs fail; counts every trigger. */
    static final class FlakySummaries implements UsageSummaries {
        final InMemoryUsageSink sink = new InMemoryUsageSink();
        final AtomicInteger failures;
        final CountDownLatch triggers;

        FlakySummaries(int failures, CountDownLatch triggers) {
            this.failures = new AtomicInteger(failures);
            this.triggers = triggers;
        }

        @Override
        public int summarize(LocalDate day) {
            try {
                if (failures.getAndDecrement() > 0) {
                    throw new IllegalStateException("the summaries table is locked by a migration");
                }
                return sink.summarize(day);
            } finally {
                triggers.countDown();
            }
        }

        @Override
        public List<DailySummary> daily(dev.aitenancy.tenant.OrgId org, LocalDate from, LocalDate to) {
            return sink.daily(org, from, to);
        }

        @Override
        public List<DailySummary> daily(LocalDate day) {
            return sink.daily(day);
        }
    }

    @Test
    void aFailedRunIsLoggedOnceAndTheNextTriggerRunsAgain() throws Exception {
        // the first trigger fails; the next ones summarize the three days (3 summarize calls)
        CountDownLatch triggers = new CountDownLatch(4);
        FlakySummaries summaries = new FlakySummaries(1, triggers);

        // the application's own summaries, primary over the in-memory sink's
        String log = LogCapture.quietly(() -> runner.withBean(UsageSummaries.class, () -> summaries,
                        bd -> bd.setPrimary(true))
                .withPropertyValues("ai-tenancy.jobs.daily-summaries.enabled=true",
                        "ai-tenancy.jobs.daily-summaries.cron=* * * * * *")
                .run(ctx -> {
                    assertThat(ctx.getBean(AiTenancyJobs.class).isRunning()).isTrue();
                    assertThat(triggers.await(30, TimeUnit.SECONDS)).as("a trigger after the failure").isTrue();
                }));

        assertThat(log.lines().filter(l -> l.contains("job failed")).toList()).singleElement().asString()
                .contains("ai-tenancy: the " + DailySummariesJob.NAME + " job failed; it runs again at its next trigger");
        assertThat(log).containsOnlyOnce("the summaries table is locked by a migration");
        assertThat(summaries.failures.get()).isNegative();
    }
}
