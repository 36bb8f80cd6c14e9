package dev.aitenancy.memory;

import dev.aitenancy.maintenance.JobRun;
import dev.aitenancy.maintenance.JobRuns;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The finished job runs of this JVM (one instance). */
public final class InMemoryJobRuns implements JobRuns {

    private record Key(String job, String period) {
    }

    private final Map<Key, JobRun> runs = new ConcurrentHashMap<>();

    @Override
    public Optional<JobRun> find(String job, String period) {
        return Optional.ofNullable(runs.get(new Key(job, period)));
    }

    @Override
    public boolean record(JobRun run) {
        return runs.putIfAbsent(new Key(run.job(), run.period()), run) == null;
    }

    /** Every recorded run, in no particular order. */
    public List<JobRun> all() {
        return List.copyOf(runs.values());
    }
}
