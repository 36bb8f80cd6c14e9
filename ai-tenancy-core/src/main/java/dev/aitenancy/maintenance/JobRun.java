package dev.aitenancy.maintenance;

import java.time.Instant;
import java.util.Objects;

/**
 * One finished run of a job for one period.
 *
 * @param job        the job's name, e.g. {@code daily-summaries}
 * @param period     the period it covered, e.g. the day {@code 2026-11-30}
 * @param finishedAt when it finished
 * @param detail     what it did, a short text (never a secret), or null
 */
public record JobRun(String job, String period, Instant finishedAt, String detail) {

    /** Longest job name and period the stores keep. */
    public static final int MAX_NAME_LENGTH = 64;

    public JobRun {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(finishedAt, "finishedAt");
        if (job.isBlank() || job.length() > MAX_NAME_LENGTH || period.isBlank() || period.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("a job name and a period are 1 to " + MAX_NAME_LENGTH + " characters");
        }
    }
}
