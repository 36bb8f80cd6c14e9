package dev.aitenancy.spring;

import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.maintenance.DailySummariesJob;
import dev.aitenancy.maintenance.JobRuns;
import dev.aitenancy.maintenance.RetentionPurgeJob;
import dev.aitenancy.spring.internal.JobLock;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageSummaries;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The scheduled maintenance jobs ({@link AiTenancyJobs}), under the {@link JobLock} of the stores:
 * with the JDBC stores a ShedLock lock in {@code ai_shedlock} of the shared database, in memory a
 * lock of this instance.
 */
@Configuration(proxyBeanMethods = false)
class AiTenancyJobsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    AiTenancyJobs aiTenancyJobs(AiTenancyProperties properties, ObjectProvider<UsageSummaries> summaries,
            ObjectProvider<UsageLog> usage, AuditSink audit, JobRuns runs, JobLock lock,
            ObjectProvider<ConversationStore> conversations, ObjectProvider<Clock> clockProvider) {
        AiTenancyProperties.Jobs jobs = properties.jobs();
        Clock clock = AiTenancyAutoConfiguration.clock(clockProvider);
        boolean onJdbc = lock.shared();

        UsageSummaries s = summaries.getIfUnique();
        AiTenancyProperties.DailySummaries ds = jobs.dailySummaries();
        boolean summariesOn = s != null && (ds.enabled() != null ? ds.enabled() : onJdbc);
        DailySummariesJob summariesJob = summariesOn ? new DailySummariesJob(s, audit, runs, clock,
                (int) Math.max(1, ds.catchUp().toDays())) : null;

        UsageLog log = usage.getIfUnique();
        AiTenancyProperties.RetentionPurge rp = jobs.retentionPurge();
        boolean purgeOn = log != null && (rp.enabled() != null ? rp.enabled() : rp.retention() != null);
        Duration retention = rp.retention() != null ? rp.retention() : properties.usage().retention();
        RetentionPurgeJob purgeJob = purgeOn ? new RetentionPurgeJob(log, audit, runs, clock, retention, jobs.zone(),
                conversations.getIfUnique()) : null;

        return new AiTenancyJobs(summariesJob, ds.cron(), purgeJob, rp.cron(), jobs.zone(), lock,
                jobs.lockAtLeastFor(), jobs.lockAtMostFor());
    }
}
