-- ShedLock's lock table (its documented schema, under an ai_ name): one row per scheduled job,
-- held by the instance running it until lock_until, so the instances sharing this database run
-- each maintenance job (daily summaries, retention purge) one at a time.
CREATE TABLE ai_shedlock (
    name       VARCHAR(64)  NOT NULL,
    lock_until TIMESTAMP    NOT NULL,
    locked_at  TIMESTAMP    NOT NULL,
    locked_by  VARCHAR(255) NOT NULL,
    CONSTRAINT ai_shedlock_pk PRIMARY KEY (name)
);

-- The periods each maintenance job finished (the day it summarized, the day it purged): a job
-- skips a period that has a row here, so a second trigger of one period does nothing.
CREATE TABLE ai_job_runs (
    job         VARCHAR(64)   NOT NULL,
    period      VARCHAR(64)   NOT NULL,
    finished_at TIMESTAMP WITH TIME ZONE NOT NULL,
    detail      VARCHAR(1000),
    CONSTRAINT ai_job_runs_pk PRIMARY KEY (job, period)
);
