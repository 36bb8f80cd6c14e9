package dev.aitenancy.maintenance;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.UsageSummaries;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the daily usage summaries ({@link UsageSummaries#summarize}) of every complete UTC day
 * that no run has summarized yet: yesterday, and after downtime over midnight the days before it,
 * up to {@code catchUpDays} back. Each day is summarized once: a day recorded in {@link JobRuns}
 * is skipped. Each org that has summaries of the day gets an audit event {@value #ACTION} (actor
 * {@value #ACTOR}, target the day, detail its rows and requests).
 *
 * <pre>{@code
 * DailySummariesJob job = new DailySummariesJob(usage, audit, db.jobRuns(), Clock.systemUTC(), 3);
 * job.run();   // shortly after midnight UTC, on one instance at a time
 * }</pre>
 */
public final class DailySummariesJob {

    /** The job's name in {@link JobRuns}. */
    public static final String NAME = "daily-summaries";
    /** The audit action of each org's summarized day. */
    public static final String ACTION = "job.daily-summaries";
    /** The actor of the maintenance jobs' audit events. */
    public static final String ACTOR = "system";

    private static final Logger LOG = LoggerFactory.getLogger(DailySummariesJob.class);

    private final UsageSummaries summaries;
    private final AuditSink audit;
    private final JobRuns runs;
    private final Clock clock;
    private final int catchUpDays;

    /**
     * @param catchUpDays how many complete days back a run looks for days not summarized yet (at
     *                    least 1: yesterday)
     */
    public DailySummariesJob(UsageSummaries summaries, AuditSink audit, JobRuns runs, Clock clock, int catchUpDays) {
        this.summaries = Objects.requireNonNull(summaries, "summaries");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.runs = Objects.requireNonNull(runs, "runs");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (catchUpDays < 1) {
            throw new IllegalArgumentException("catchUpDays must be at least 1, was " + catchUpDays);
        }
        this.catchUpDays = catchUpDays;
    }

    /**
     * What one run did.
     *
     * @param days the days it summarized, oldest first (empty when every day was done already)
     * @param rows the summary rows of each of those days
     */
    public record Result(List<LocalDate> days, Map<LocalDate, Integer> rows) {
        public Result {
            days = List.copyOf(days);
            rows = Map.copyOf(rows);
        }
    }

    /** Summarizes the complete days not summarized yet, oldest first; a failure stops the run (the day is tried again next run). */
    public Result run() {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        List<LocalDate> done = new ArrayList<>();
        Map<LocalDate, Integer> rows = new TreeMap<>();
        for (LocalDate day = today.minusDays(catchUpDays); day.isBefore(today); day = day.plusDays(1)) {
            String period = day.toString();
            if (runs.find(NAME, period).isPresent()) {
                continue;
            }
            int n = summaries.summarize(day);
            Map<OrgId, long[]> byOrg = new TreeMap<>();
            for (DailySummary s : summaries.daily(day)) {
                long[] t = byOrg.computeIfAbsent(s.org(), o -> new long[2]);
                t[0]++;
                t[1] += s.requests();
            }
            byOrg.forEach((org, t) -> audit.record(AuditEvent.of(org, ACTOR, ACTION, period,
                    "summarized " + t[1] + " requests of " + period + " (UTC) into " + t[0] + " rows", clock.instant())));
            runs.record(new JobRun(NAME, period, clock.instant(),
                    n + " summary rows for " + byOrg.size() + (byOrg.size() == 1 ? " org" : " orgs")));
            LOG.info("ai-tenancy: summarized the usage of {} (UTC): {} rows for {} orgs", period, n, byOrg.size());
            done.add(day);
            rows.put(day, n);
        }
        return new Result(done, rows);
    }
}
