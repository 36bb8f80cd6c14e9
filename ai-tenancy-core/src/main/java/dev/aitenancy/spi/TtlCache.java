package dev.aitenancy.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Values kept for a while after they were loaded, for configuration read on every call. A
 * lifetime of zero keeps nothing: every {@link #get} loads. Past {@code maxEntries} the cache
 * starts over rather than growing.
 */
public final class TtlCache<K, V> {

    private record Entry<V>(V value, Instant until) {
    }

    private final Duration ttl;
    private final Clock clock;
    private final int maxEntries;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

    public TtlCache(Duration ttl, Clock clock, int maxEntries) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a cache lifetime must be >= 0");
        }
        this.maxEntries = maxEntries;
    }

    /** The value of {@code key}: kept, or loaded now (and kept for the lifetime). */
    public V get(K key, Function<? super K, ? extends V> load) {
        if (ttl.isZero()) {
            return load.apply(key);
        }
        Instant now = clock.instant();
        Entry<V> e = entries.get(key);
        if (e == null || !now.isBefore(e.until())) {
            e = new Entry<>(load.apply(key), now.plus(ttl));
            if (entries.size() >= maxEntries) {
                entries.clear();
            }
            entries.put(key, e);
        }
        return e.value();
    }

    /** Forgets the keys that match, e.g. every key of an org that was just changed. */
    public void invalidateIf(Predicate<? super K> which) {
        entries.keySet().removeIf(which);
    }

    /** Forgets everything. */
    public void clear() {
        entries.clear();
    }
}
