package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.GroupCommit;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.usage.UsageRecord;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Group commit of started records ({@link GroupCommit}): a call that starts alone inserts its row
 * in a transaction of its own on its own thread, with no hand-off; calls that start while a group
 * is in flight wait for the next group, which inserts all their rows with one statement
 * (PostgreSQL) or one JDBC batch (H2), so the durable start costs one commit per group instead of
 * one per call. When the database refuses the group, each row is tried alone and only the refused
 * ones fail. A call waits at most {@code maxWait} for a group to take its row.
 */
final class StartCommitter {

    /** Most rows in one transaction. */
    private static final int GROUP = 256;

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final UUID instanceId;
    private final Duration maxWait;
    private final java.util.Map<UUID, String> leaseNotes;
    private final GroupCommit<UsageRecord, Boolean> groups;
    private volatile boolean closed;

    StartCommitter(Jdbi jdbi, Dialect dialect, UUID instanceId, Duration maxWait, java.util.Map<UUID, String> leaseNotes) {
        this.jdbi = jdbi;
        this.leaseNotes = leaseNotes;
        this.dialect = dialect;
        this.instanceId = instanceId;
        this.maxWait = maxWait;
        this.groups = new GroupCommit<>("ai-tenancy-usage-starts", GROUP, this::insert, () -> false,
                Duration.ofSeconds(1), Duration.ofSeconds(10));
    }

    /**
     * Returns once the record's row is committed.
     *
     * @throws RuntimeException the database's failure, or when no group took the row within
     *                          {@code maxWait}
     */
    void write(UsageRecord record) {
        if (closed) {
            throw new IllegalStateException("the usage sink is closed");
        }
        try {
            groups.submit(record, maxWait);
        } catch (GroupCommit.NotCommittedInTime e) {
            throw new IllegalStateException("the started record was not written within " + maxWait, e);
        }
    }

    /** Refuses new rows; groups in flight finish, and the committer thread ends by itself when idle. */
    void close() {
        closed = true;
    }

    private List<Boolean> insert(List<UsageRecord> records) {
        if (!records.isEmpty()) {
            // the budget leases each call reserved from (noted by the ledger), kept for a charge if this instance dies
            java.util.Map<UUID, String> leases = new java.util.HashMap<>();
            for (UsageRecord r : records) {
                String note = leaseNotes.get(r.id());
                if (note != null) {
                    leases.put(r.id(), note);
                }
            }
            if (dialect == Dialect.POSTGRESQL) { // one statement: committed on its own, one round trip
                Sql.alone(jdbi, h -> UsageRows.insert(h, dialect, records, instanceId, leases));
            } else { // a JDBC batch: one transaction
                jdbi.useTransaction(h -> UsageRows.insert(h, dialect, records, instanceId, leases));
            }
            leases.keySet().forEach(leaseNotes::remove);
        }
        return Collections.nCopies(records.size(), Boolean.TRUE);
    }
}
