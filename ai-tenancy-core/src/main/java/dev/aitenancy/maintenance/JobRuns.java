package dev.aitenancy.maintenance;

import java.util.Optional;

/**
 * Which periods the maintenance jobs finished: a job looks here before it runs a period and
 * records the period when it is done, so a second trigger of the same period (another instance
 * whose trigger fired a little later, a retry) does nothing. Shared by every instance when it is
 * kept in the database ({@code AiTenancyJdbc.jobRuns()}); {@link dev.aitenancy.memory.InMemoryJobRuns}
 * serves one instance.
 *
 * <p>This remembers finished periods; it does not keep two instances from running one period at
 * the same time. Whatever triggers the jobs holds a lock around each run for that (the Spring Boot
 * starter uses ShedLock on the same database).
 */
public interface JobRuns {

    /** The finished run of the job for the period, if there was one. */
    Optional<JobRun> find(String job, String period);

    /**
     * Records a finished run.
     *
     * @return false when a run of that job and period was recorded already (the first one stays)
     */
    boolean record(JobRun run);
}
