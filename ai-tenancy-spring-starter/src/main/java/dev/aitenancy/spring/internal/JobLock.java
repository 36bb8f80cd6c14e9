package dev.aitenancy.spring.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/** Runs a maintenance job while holding its lock, or not at all when another run holds it. */
public interface JobLock {

    /**
     * Runs {@code work} under the lock {@code name}.
     *
     * @return the work's result, or empty when the lock was taken (the work did not run)
     */
    <T> Optional<T> run(String name, Duration lockAtLeastFor, Duration lockAtMostFor, Supplier<T> work);

    /** What the lock is, for the startup log. */
    String describe();

    /** Whether the lock holds across the instances sharing a database (else in this JVM only). */
    boolean shared();

    /**
     * ShedLock's JDBC lock in {@code table} of the database every instance shares, on the
     * database's clock (so the instances' clocks need not agree).
     */
    static JobLock shedLock(DataSource dataSource, String table) {
        LockingTaskExecutor executor = new DefaultLockingTaskExecutor(new JdbcTemplateLockProvider(
                JdbcTemplateLockProvider.Configuration.builder()
                        .withJdbcTemplate(new JdbcTemplate(dataSource))
                        .withTableName(table)
                        .usingDbTime()
                        .build()));
        return new JobLock() {
            @Override
            public <T> Optional<T> run(String name, Duration atLeast, Duration atMost, Supplier<T> work) {
                LockConfiguration config = new LockConfiguration(ClockProvider.now(), name, atMost, atLeast);
                LockingTaskExecutor.TaskResult<T> result;
                try {
                    result = executor.executeWithLock(work::get, config);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
                return result.wasExecuted() ? Optional.ofNullable(result.getResult()) : Optional.empty();
            }

            @Override
            public String describe() {
                return "ShedLock in " + table;
            }

            @Override
            public boolean shared() {
                return true;
            }
        };
    }

    /** A lock of this JVM only: for stores in memory, which one instance has. */
    static JobLock local() {
        Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
        return new JobLock() {
            @Override
            public <T> Optional<T> run(String name, Duration atLeast, Duration atMost, Supplier<T> work) {
                ReentrantLock lock = locks.computeIfAbsent(name, n -> new ReentrantLock());
                if (!lock.tryLock()) {
                    return Optional.empty();
                }
                try {
                    return Optional.ofNullable(work.get());
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public String describe() {
                return "this instance only";
            }

            @Override
            public boolean shared() {
                return false;
            }
        };
    }
}
