package dev.aitenancy.maintenance;

import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the retention period to every org's usage records: removes the records that started
 * more than {@code retention} before the run ({@link UsageLog#purge}), and with a
 * {@link ConversationStore} the conversations inactive since before then, at most once per day in
 * {@code zone} (a day recorded in {@link JobRuns} is skipped). Each org that lost records gets an
 * audit event {@value #ACTION} (actor {@value DailySummariesJob#ACTOR}, target the day, detail how
 * many records started before which instant were removed).
 *
 * <pre>{@code
 * new RetentionPurgeJob(usage, audit, db.jobRuns(), Clock.systemUTC(), Duration.ofDays(90), ZoneOffset.UTC).run();
 * }</pre>
 */
public final class RetentionPurgeJob {

    /** The job's name in {@link JobRuns}. */
    public static final String NAME = "retention-purge";
    /** The audit action of each org's purge. */
    public static final String ACTION = "job.retention-purge";

    private static final Logger LOG = LoggerFactory.getLogger(RetentionPurgeJob.class);

    private final UsageLog usage;
    private final AuditSink audit;
    private final JobRuns runs;
    private final Clock clock;
    private final Duration retention;
    private final ZoneId zone;
    private final ConversationStore conversations;

    /** A purge of usage records only. */
    public RetentionPurgeJob(UsageLog usage, AuditSink audit, JobRuns runs, Clock clock, Duration retention,
            ZoneId zone) {
        this(usage, audit, runs, clock, retention, zone, null);
    }

    /**
     * @param retention how long records are kept (positive)
     * @param zone      the zone whose days are the job's periods
     * @param conversations whose conversations last active before the cutoff are deleted too, or
     *                  null for none (an org's conversations are looked at when it has usage records
     *                  before the cutoff: every appended exchange has one)
     */
    public RetentionPurgeJob(UsageLog usage, AuditSink audit, JobRuns runs, Clock clock, Duration retention,
            ZoneId zone, ConversationStore conversations) {
        this.conversations = conversations;
        this.usage = Objects.requireNonNull(usage, "usage");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.runs = Objects.requireNonNull(runs, "runs");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retention = Objects.requireNonNull(retention, "retention");
        this.zone = Objects.requireNonNull(zone, "zone");
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("the retention must be positive, was " + retention);
        }
    }

    /**
     * What one run did.
     *
     * @param period  the day it ran for
     * @param ran     false when that day was done already (nothing was removed)
     * @param cutoff  records that started before this were removed (null when it did not run)
     * @param removed the records removed per org, only orgs that lost records
     * @param conversationsRemoved the conversations deleted per org, only orgs that lost some
     */
    public record Result(LocalDate period, boolean ran, Instant cutoff, Map<OrgId, Long> removed,
            Map<OrgId, Long> conversationsRemoved) {
        public Result {
            removed = Map.copyOf(removed);
            conversationsRemoved = Map.copyOf(conversationsRemoved);
        }

        /** Records removed in all. */
        public long total() {
            return removed.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Purges every org's records older than the retention, unless today's purge is done already. */
    public Result run() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, zone);
        String period = today.toString();
        if (runs.find(NAME, period).isPresent()) {
            return new Result(today, false, null, Map.of(), Map.of());
        }
        Instant cutoff = now.minus(retention);
        Map<OrgId, Long> removed = new TreeMap<>();
        Map<OrgId, Long> chats = new TreeMap<>();
        for (OrgId org : usage.orgsWithRecordsBefore(cutoff)) {
            long n = usage.purge(org, cutoff);
            long c = conversations == null ? 0 : conversations.purge(org, cutoff);
            if (n > 0) {
                removed.put(org, n);
            }
            if (c > 0) {
                chats.put(org, c);
            }
            if (n > 0 || c > 0) {
                audit.record(AuditEvent.of(org, DailySummariesJob.ACTOR, ACTION, period,
                        "removed " + n + " records started before " + cutoff
                                + (c > 0 ? " and " + c + " conversations inactive since before then" : "")
                                + " (retention " + retention + ")", clock.instant()));
            }
        }
        Result result = new Result(today, true, cutoff, removed, chats);
        runs.record(new JobRun(NAME, period, clock.instant(), "removed " + result.total() + " records of "
                + removed.size() + (removed.size() == 1 ? " org" : " orgs") + " started before " + cutoff));
        LOG.info("ai-tenancy: retention purge of {}: removed {} usage records of {} orgs started before {}", period,
                result.total(), removed.size(), cutoff);
        return result;
    }
}
