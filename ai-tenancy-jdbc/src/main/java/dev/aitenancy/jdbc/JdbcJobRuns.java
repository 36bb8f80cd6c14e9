package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.maintenance.JobRun;
import dev.aitenancy.maintenance.JobRuns;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The maintenance jobs' finished periods in {@code ai_job_runs}, shared by every instance on the database. */
public final class JdbcJobRuns implements JobRuns {

    private final Jdbi jdbi;

    JdbcJobRuns(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Optional<JobRun> find(String job, String period) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_job_runs WHERE job = :job AND period = :period")
                .bind("job", job).bind("period", period)
                .map((rs, ctx) -> new JobRun(rs.getString("job"), rs.getString("period"),
                        rs.getObject("finished_at", OffsetDateTime.class).toInstant(), rs.getString("detail")))
                .findOne());
    }

    @Override
    public boolean record(JobRun run) {
        String detail = run.detail() == null || run.detail().length() <= 1000 ? run.detail()
                : run.detail().substring(0, 1000);
        try {
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO ai_job_runs (job, period, finished_at, detail) "
                            + "VALUES (:job, :period, :at, :detail)")
                    .bind("job", run.job()).bind("period", run.period()).bind("at", run.finishedAt())
                    .bind("detail", detail)
                    .execute());
            return true;
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }
}
