package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Dialect;
import dev.aitenancy.jdbc.internal.Failures;
import dev.aitenancy.usage.UsageRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jdbi.v3.core.Jdbi;

/**
 * Group commit of started records: calls that start at the same moment wait for one transaction
 * that inserts all their rows with one statement (PostgreSQL) or one JDBC batch (H2), so the
 * durable start costs one commit per group instead of one per call. A lone call pays one
 * transaction, as it would alone. When the database refuses the group, each row is tried alone
 * and only the refused ones fail.
 */
final class StartCommitter {

    /** Most rows in one transaction. */
    private static final int GROUP = 256;

    private record Start(UsageRecord record, CompletableFuture<Void> written) {
    }

    private final Jdbi jdbi;
    private final Dialect dialect;
    private final UUID instanceId;
    private final Duration maxWait;
    private final LinkedBlockingQueue<Start> waiting = new LinkedBlockingQueue<>();
    private final Thread committer;
    private volatile boolean closed;

    StartCommitter(Jdbi jdbi, Dialect dialect, UUID instanceId, Duration maxWait) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.instanceId = instanceId;
        this.maxWait = maxWait;
        this.committer = new Thread(this::run, "ai-tenancy-usage-starts");
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Returns once the record's row is committed.
     *
     * @throws RuntimeException the database's failure, or when the row was not committed within
     *                          {@code maxWait}
     */
    void write(UsageRecord record) {
        if (closed) {
            throw new IllegalStateException("the usage sink is closed");
        }
        Start start = new Start(record, new CompletableFuture<>());
        waiting.add(start);
        try {
            start.written().get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the started record was not written within " + maxWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the started record was written");
        }
    }

    void close() {
        closed = true;
        committer.interrupt();
    }

    private void run() {
        List<Start> group = new ArrayList<>(GROUP);
        while (!closed || !waiting.isEmpty()) {
            try {
                Start first = waiting.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                waiting.drainTo(group, GROUP - 1);
                commit(group);
            } catch (InterruptedException e) {
                // closing: let the callers still waiting fail fast
                waiting.drainTo(group);
                group.forEach(s -> s.written().completeExceptionally(
                        new IllegalStateException("the usage sink is closed")));
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Start> group) {
        try {
            insert(group);
            group.forEach(s -> s.written().complete(null));
            return;
        } catch (RuntimeException e) {
            if (group.size() == 1 || Failures.isUnreachable(e)) {
                group.forEach(s -> s.written().completeExceptionally(e));
                return;
            }
        }
        for (Start s : group) { // the database refused the group: find the row it refuses
            try {
                insert(List.of(s));
                s.written().complete(null);
            } catch (RuntimeException e) {
                s.written().completeExceptionally(e);
            }
        }
    }

    private void insert(List<Start> group) {
        List<UsageRecord> records = new ArrayList<>(group.size());
        group.forEach(s -> records.add(s.record()));
        jdbi.useTransaction(h -> UsageRows.insert(h, dialect, records, instanceId));
    }
}
