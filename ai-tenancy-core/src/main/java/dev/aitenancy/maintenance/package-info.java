/**
 * API: the scheduled upkeep of the usage records — {@link dev.aitenancy.maintenance.DailySummariesJob}
 * and {@link dev.aitenancy.maintenance.RetentionPurgeJob} — and the {@link dev.aitenancy.maintenance.JobRuns}
 * SPI that remembers which periods they finished, so each period is done once. The host (or the
 * Spring Boot starter) triggers them and keeps two instances from running one at the same time.
 */
package dev.aitenancy.maintenance;
