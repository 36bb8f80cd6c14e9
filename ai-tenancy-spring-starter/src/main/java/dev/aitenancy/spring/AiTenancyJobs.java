package dev.aitenancy.spring;

import dev.aitenancy.maintenance.DailySummariesJob;
import dev.aitenancy.maintenance.RetentionPurgeJob;
import dev.aitenancy.spring.internal.JobLock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/**
 * The maintenance jobs the starter schedules: the {@link DailySummariesJob daily usage summaries}
 * and the {@link RetentionPurgeJob retention purge} ({@code ai-tenancy.jobs.*}). Each run holds the
 * job's lock — ShedLock in {@code ai_shedlock} on the shared database, or a lock of this instance
 * when the stores are in memory — and a run that finds it taken does nothing; the jobs themselves
 * skip periods that are done already, so instances firing together produce one run per period.
 *
 * <p>The jobs run on one thread of their own ({@code ai-tenancy-jobs-1}), from the application's
 * start until it stops; the application's own scheduling ({@code @EnableScheduling}) is neither
 * needed nor touched. A run that fails is logged once and tried again at the next trigger.
 */
public final class AiTenancyJobs implements SmartLifecycle {

    /** The lock names of the two jobs. */
    static final String SUMMARIES_LOCK = "ai-tenancy." + DailySummariesJob.NAME;
    static final String PURGE_LOCK = "ai-tenancy." + RetentionPurgeJob.NAME;

    /** A cron expression that never triggers: the job runs only through {@link #runDailySummaries()} / {@link #runRetentionPurge()}. */
    public static final String NEVER = "-";

    private static final Logger LOG = LoggerFactory.getLogger(AiTenancyJobs.class);

    private final DailySummariesJob summaries;
    private final String summariesCron;
    private final RetentionPurgeJob purge;
    private final String purgeCron;
    private final ZoneId zone;
    private final JobLock lock;
    private final Duration lockAtLeastFor;
    private final Duration lockAtMostFor;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    private ThreadPoolTaskScheduler scheduler;

    AiTenancyJobs(DailySummariesJob summaries, String summariesCron, RetentionPurgeJob purge, String purgeCron,
            ZoneId zone, JobLock lock, Duration lockAtLeastFor, Duration lockAtMostFor) {
        this.summaries = summaries;
        this.summariesCron = summariesCron;
        this.purge = purge;
        this.purgeCron = purgeCron;
        this.zone = zone;
        this.lock = lock;
        this.lockAtLeastFor = lockAtLeastFor;
        this.lockAtMostFor = lockAtMostFor;
        if (lockAtLeastFor.isNegative() || lockAtMostFor.compareTo(lockAtLeastFor) < 0 || lockAtMostFor.isZero()) {
            throw new IllegalArgumentException("ai-tenancy.jobs: lock-at-most-for must be positive and at least "
                    + "lock-at-least-for, which must not be negative");
        }
        // refuse a bad cron expression at startup, not at the first trigger
        if (summaries != null && !NEVER.equals(summariesCron)) {
            new CronTrigger(summariesCron, zone);
        }
        if (purge != null && !NEVER.equals(purgeCron)) {
            new CronTrigger(purgeCron, zone);
        }
    }

    /** Whether the daily summaries are computed on a schedule. */
    public boolean dailySummariesEnabled() {
        return summaries != null;
    }

    /** Whether the retention purge runs on a schedule. */
    public boolean retentionPurgeEnabled() {
        return purge != null;
    }

    /**
     * Runs the daily summaries now, as a trigger does: under the job's lock, skipping days done
     * already.
     *
     * @return what the run did, or empty when another run held the lock
     * @throws IllegalStateException when the job is switched off
     */
    public Optional<DailySummariesJob.Result> runDailySummaries() {
        if (summaries == null) {
            throw new IllegalStateException("the daily summaries job is off (ai-tenancy.jobs.daily-summaries.enabled)");
        }
        return lock.run(SUMMARIES_LOCK, lockAtLeastFor, lockAtMostFor, summaries::run);
    }

    /**
     * Runs the retention purge now, as a trigger does: under the job's lock, at most once a day.
     *
     * @return what the run did, or empty when another run held the lock
     * @throws IllegalStateException when the job is switched off
     */
    public Optional<RetentionPurgeJob.Result> runRetentionPurge() {
        if (purge == null) {
            throw new IllegalStateException("the retention purge job is off (ai-tenancy.jobs.retention-purge.enabled)");
        }
        return lock.run(PURGE_LOCK, lockAtLeastFor, lockAtMostFor, purge::run);
    }

    /** The jobs and their schedules, for the startup log. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add("daily summaries " + (summaries == null ? "off" : "'" + summariesCron + "'"));
        parts.add("retention purge " + (purge == null ? "off" : "'" + purgeCron + "'"));
        return String.join(", ", parts) + " (" + zone + ", lock: " + lock.describe() + ")";
    }

    private void triggered(String job, Supplier<?> run) {
        try {
            run.get();
        } catch (RuntimeException e) {
            LOG.error("ai-tenancy: the {} job failed; it runs again at its next trigger", job, e);
        }
    }

    @Override
    public synchronized void start() {
        boolean summariesTriggered = summaries != null && !NEVER.equals(summariesCron);
        boolean purgeTriggered = purge != null && !NEVER.equals(purgeCron);
        if (scheduler != null || !(summariesTriggered || purgeTriggered)) {
            return;
        }
        ThreadPoolTaskScheduler s = new ThreadPoolTaskScheduler();
        s.setPoolSize(1);
        s.setThreadNamePrefix("ai-tenancy-jobs-");
        s.setDaemon(true);
        s.setWaitForTasksToCompleteOnShutdown(false);
        s.initialize();
        TimeZone tz = TimeZone.getTimeZone(zone);
        if (summariesTriggered) {
            scheduled.add(s.schedule(() -> triggered(DailySummariesJob.NAME, this::runDailySummaries),
                    new CronTrigger(summariesCron, tz)));
        }
        if (purgeTriggered) {
            scheduled.add(s.schedule(() -> triggered(RetentionPurgeJob.NAME, this::runRetentionPurge),
                    new CronTrigger(purgeCron, tz)));
        }
        scheduler = s;
        LOG.info("ai-tenancy: maintenance jobs: {}", describe());
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduled.forEach(f -> f.cancel(false));
            scheduled.clear();
            scheduler.shutdown();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
