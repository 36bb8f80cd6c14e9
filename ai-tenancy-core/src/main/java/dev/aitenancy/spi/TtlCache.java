package dev.aitenancy.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values kept for a while after they were loaded, for configuration read on every call. A
 * lifetime of zero keeps nothing: every {@link #get} loads. Past {@code maxEntries} the cache
 * starts over rather than growing.
 *
 * <p><b>Refreshed ahead.</b> A value is never served longer than the lifetime after it was loaded.
 * The first {@link #get} in the last quarter of that lifetime still gets the kept value at once and
 * has it loaded again in the background (one load per key at a time, on a small library-owned daemon
 * thread, {@code ai-tenancy-config-refresh}, or the given executor), so a key in steady use is
 * never loaded on the caller's thread; only a key unused for a whole lifetime, or whose background
 * load failed (logged at DEBUG), is loaded by the caller that finds it expired.
 *
 * <p><b>Invalidation wins.</b> A value whose load began before an {@link #invalidateIf} or
 * {@link #clear} is not kept (the caller that loaded it still gets it), so a change is never
 * hidden behind a value read just before it.
 */
public final class TtlCache<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(TtlCache.class);

    private record Entry<V>(V value, Instant refreshAt, Instant until) {
    }

    private final Duration ttl;
    private final Clock clock;
    private final int maxEntries;
    private final Executor refresher;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final Set<K> refreshing = ConcurrentHashMap.newKeySet();
    /** Bumped by every invalidation: a load that began under an older generation is not kept. */
    private final AtomicLong generation = new AtomicLong();

    public TtlCache(Duration ttl, Clock clock, int maxEntries) {
        this(ttl, clock, maxEntries, null);
    }

    /**
     * @param refresher runs the loads ahead of expiry; null for the library's own daemon thread
     */
    public TtlCache(Duration ttl, Clock clock, int maxEntries, Executor refresher) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a cache lifetime must be >= 0");
        }
        this.maxEntries = maxEntries;
        this.refresher = refresher;
    }

    /**
     * The value of {@code key}: kept (and loaded again in the background when it nears its end),
     * or loaded now on this thread and kept for the lifetime.
     */
    public V get(K key, Function<? super K, ? extends V> load) {
        if (ttl.isZero()) {
            return load.apply(key);
        }
        Instant now = clock.instant();
        Entry<V> e = entries.get(key);
        if (e != null && now.isBefore(e.until())) {
            if (!now.isBefore(e.refreshAt())) {
                refreshAhead(key, load);
            }
            return e.value();
        }
        return loadAndKeep(key, load);
    }

    private V loadAndKeep(K key, Function<? super K, ? extends V> load) {
        long loadedIn = generation.get();
        Instant loadedAt = clock.instant();
        V value = load.apply(key);
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Entry<V> e = new Entry<>(value, loadedAt.plus(ttl.minus(ttl.dividedBy(4))), loadedAt.plus(ttl));
        entries.put(key, e);
        if (generation.get() != loadedIn) { // invalidated while loading; one after this check removes it itself
            entries.remove(key, e);
        }
        return value;
    }

    private void refreshAhead(K key, Function<? super K, ? extends V> load) {
        if (!refreshing.add(key)) {
            return; // already under way
        }
        Runnable task = () -> {
            try {
                loadAndKeep(key, load);
            } catch (RuntimeException | Error failure) {
                LOG.debug("loading {} ahead of expiry failed; the first caller after expiry loads it: {}", key,
                        failure.toString());
            } finally {
                refreshing.remove(key);
            }
        };
        try {
            (refresher != null ? refresher : Refresher.EXECUTOR).execute(task);
        } catch (RejectedExecutionException busy) {
            refreshing.remove(key); // the caller after expiry loads it
        }
    }

    /** Forgets the keys that match, e.g. every key of an org that was just changed. */
    public void invalidateIf(Predicate<? super K> which) {
        generation.incrementAndGet();
        entries.keySet().removeIf(which);
    }

    /** Forgets everything. */
    public void clear() {
        generation.incrementAndGet();
        entries.clear();
    }

    /** The library's refresher: one daemon thread, started when needed, ending after 30 s idle. */
    private static final class Refresher {
        static final ThreadPoolExecutor EXECUTOR = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4096), r -> {
                    Thread t = new Thread(r, "ai-tenancy-config-refresh");
                    t.setDaemon(true);
                    return t;
                });

        static {
            EXECUTOR.allowCoreThreadTimeOut(true);
        }

        private Refresher() {
        }
    }
}
