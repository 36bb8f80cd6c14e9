package dev.aitenancy.provider.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One daemon thread that starts every provider client's retries after their delays (deadlines: {@link Deadlines}). */
final class Scheduler {

    static final ScheduledExecutorService INSTANCE = create();

    private Scheduler() {
    }

    private static ScheduledExecutorService create() {
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ai-tenancy-timer");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        ex.setKeepAliveTime(30, TimeUnit.SECONDS);
        return ex;
    }
}
