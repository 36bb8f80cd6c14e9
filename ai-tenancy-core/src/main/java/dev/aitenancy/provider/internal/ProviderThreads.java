package dev.aitenancy.provider.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads provider calls run on, owned by the library and shared by every provider client that
 * is not given its own ({@code ProviderSettings.Builder.executor}, {@code .httpClient}).
 *
 * <p>No thread is started per call. The JDK's {@code HttpClient.sendAsync} completes every response
 * on {@code CompletableFuture}'s default pool, which on a machine with 1–2 CPUs starts one new
 * thread per task; so each attempt is a blocking {@code HttpClient.send} run on {@link #calls()}
 * instead, and the HttpClient the library builds runs its own work on {@link #http()}.
 *
 * <ul>
 *   <li><b>Java 21 and later</b> (detected at run time): both are a virtual thread per task. A
 *       waiting call holds no platform thread; nothing queues.</li>
 *   <li><b>Java 17–20</b>: {@link #calls()} is a pool of at most {@value #DEFAULT_CALL_THREADS}
 *       daemon threads ({@code ai-tenancy-provider-N}; system property
 *       {@code aitenancy.provider.threads}), each holding a non-streamed attempt until its answer
 *       is read, or a stream until its response headers arrive (the stream's body is then read
 *       without holding it). When all are busy, attempts wait in arrival order; the wait counts
 *       against the call's deadline, so a call that cannot start in time fails with
 *       {@code AI_PROVIDER_TIMEOUT}. {@link #http()} is a pool of at most
 *       {@value #DEFAULT_HTTP_THREADS} daemon threads ({@code ai-tenancy-http-N}; property
 *       {@code aitenancy.provider.httpThreads}) that reads responses and delivers stream events to
 *       listeners, handing each task to its most recently idle thread (a {@code ForkJoinPool}). Idle
 *       threads of both end after 30 s.</li>
 * </ul>
 *
 * <p>{@link #calls()} also admits each stream (rate limits, budgets, the started record) before
 * its provider attempt, so {@code LLMJob.stream} returns as soon as the call is handed over.
 */
public final class ProviderThreads {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderThreads.class);

    static final int DEFAULT_CALL_THREADS = 64;
    static final int DEFAULT_HTTP_THREADS = 16;

    private ProviderThreads() {
    }

    /** Whether calls run on virtual threads (Java 21 and later). */
    static boolean virtual() {
        return Holder.VIRTUAL;
    }

    /**
     * Runs each provider attempt (a blocking send), unless the settings give an executor; also
     * admits each stream, so that {@code LLMJob.stream} returns without waiting for the stores.
     */
    public static Executor calls() {
        return Holder.CALLS;
    }

    /** The executor of the HttpClient the library builds. */
    static Executor http() {
        return Holder.HTTP;
    }

    /** The platform threads {@link #calls()} may hold, or 0 on virtual threads. */
    static int callThreads() {
        return Holder.VIRTUAL ? 0 : size("aitenancy.provider.threads", DEFAULT_CALL_THREADS);
    }

    /** The platform threads {@link #http()} may hold, or 0 on virtual threads. */
    static int httpThreads() {
        return Holder.VIRTUAL ? 0 : size("aitenancy.provider.httpThreads", DEFAULT_HTTP_THREADS);
    }

    private static final class Holder {
        static final ThreadFactory VIRTUAL_FACTORY = virtualFactory();
        static final boolean VIRTUAL = VIRTUAL_FACTORY != null;
        static final Executor CALLS = VIRTUAL ? perTask(VIRTUAL_FACTORY)
                : bounded("ai-tenancy-provider-", size("aitenancy.provider.threads", DEFAULT_CALL_THREADS));
        static final Executor HTTP = VIRTUAL ? CALLS
                : warmFirst("ai-tenancy-http-", size("aitenancy.provider.httpThreads", DEFAULT_HTTP_THREADS));
    }

    private static int size(String property, int fallback) {
        Integer n = Integer.getInteger(property);
        return n != null && n > 0 ? n : fallback;
    }

    /** A bounded pool of daemon threads with a FIFO queue; threads start on demand and end when idle. */
    private static ExecutorService bounded(String prefix, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, prefix + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * A pool of at most {@code threads} daemon threads that gives a task to the thread idle for the
     * shortest time (a {@link java.util.concurrent.ForkJoinPool}, which keeps its idle workers on a
     * stack; no compensation threads beyond {@code threads}); threads start on demand and end after
     * 30 s idle. The JDK's HttpClient hands each exchange to its executor several times (request
     * sent, headers, body); a FIFO pool wakes its longest-idle thread for each, whose caches are
     * cold. Measured with {@code ClientOnlyProbe} (one caller, 20,000 calls a round): the library's
     * client went from +3.5 … +29 µs over the bare HttpClient at the median to -17 … +14 µs.
     */
    static ExecutorService warmFirst(String prefix, int threads) {
        AtomicInteger n = new AtomicInteger();
        // a worker of its own class, not the default factory's: that one gives its threads the system
        // class loader, where a thread of this pool (like one of a ThreadPoolExecutor) keeps the context
        // class loader of the thread that started it (a web application's, say, for stream listeners)
        java.util.concurrent.ForkJoinPool.ForkJoinWorkerThreadFactory factory = pool -> {
            java.util.concurrent.ForkJoinWorkerThread t = new java.util.concurrent.ForkJoinWorkerThread(pool) {
            };
            t.setName(prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new java.util.concurrent.ForkJoinPool(threads, factory, null, true, 0, threads, 1, pool -> true, 30,
                TimeUnit.SECONDS);
    }

    /** {@code Thread.ofVirtual().name("ai-tenancy-provider-", 0).factory()}, through reflection: null before Java 21. */
    private static ThreadFactory virtualFactory() {
        if (Runtime.version().feature() < 21 || Boolean.getBoolean("aitenancy.provider.platformThreads")) {
            return null;
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Object ofVirtual = lookup.findStatic(Thread.class, "ofVirtual",
                    MethodType.methodType(Class.forName("java.lang.Thread$Builder$OfVirtual"))).invoke();
            Object named = lookup.findVirtual(builder, "name", MethodType.methodType(builder, String.class, long.class))
                    .invoke(ofVirtual, "ai-tenancy-provider-", 0L);
            return (ThreadFactory) lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class))
                    .invoke(named);
        } catch (Throwable e) {
            LOG.debug("virtual threads unavailable, provider calls run on a bounded platform pool", e);
            return null;
        }
    }

    /** {@code Executors.newThreadPerTaskExecutor(factory)}, through reflection (Java 21). */
    private static Executor perTask(ThreadFactory factory) {
        try {
            return (Executor) MethodHandles.publicLookup()
                    .findStatic(java.util.concurrent.Executors.class, "newThreadPerTaskExecutor",
                            MethodType.methodType(ExecutorService.class, ThreadFactory.class))
                    .invoke(factory);
        } catch (Throwable e) {
            return r -> factory.newThread(r).start();
        }
    }
}
