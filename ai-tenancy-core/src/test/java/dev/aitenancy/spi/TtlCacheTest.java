package dev.aitenancy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TtlCacheTest {

    static final Duration TTL = Duration.ofSeconds(8);

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    /** The background loads, run when the test says. */
    final Queue<Runnable> background = new ArrayDeque<>();
    final TtlCache<String, String> cache = new TtlCache<>(TTL, clock, 100, background::add);
    /** The value the store holds now, and how often it was loaded. */
    String stored = "v1";
    final AtomicInteger loads = new AtomicInteger();
    final Function<String, String> load = key -> {
        loads.incrementAndGet();
        return key + "=" + stored;
    };

    @Test
    void aValueIsKeptForItsLifetimeAndLoadedByTheCallerAfterAKeyWentUnused() {
        assertThat(cache.get("acme", load)).isEqualTo("acme=v1");
        stored = "v2";
        clock.advance(Duration.ofSeconds(5));
        assertThat(cache.get("acme", load)).isEqualTo("acme=v1");
        clock.advance(Duration.ofSeconds(3)); // the lifetime is over, nobody asked in its last quarter

        assertThat(cache.get("acme", load)).isEqualTo("acme=v2");
        assertThat(loads).hasValue(2);
        assertThat(background).isEmpty();
    }

    @Test
    void inTheLastQuarterTheKeptValueIsServedAndLoadedAgainInTheBackgroundOnce() {
        cache.get("acme", load);
        stored = "v2";
        clock.advance(Duration.ofSeconds(6)); // past three quarters of 8 s

        assertThat(cache.get("acme", load)).isEqualTo("acme=v1");
        assertThat(cache.get("acme", load)).isEqualTo("acme=v1");
        assertThat(loads).as("nothing loaded on the callers' thread").hasValue(1);
        assertThat(background).as("one load under way per key").hasSize(1);

        background.poll().run();
        clock.advance(Duration.ofSeconds(7)); // 13 s after the first load, 7 s after the second
        assertThat(cache.get("acme", load)).isEqualTo("acme=v2");
        assertThat(loads).hasValue(2);
    }

    @Test
    void aValueIsNeverServedPastItsLifetimeEvenWhenItsBackgroundLoadFailed() {
        cache.get("acme", load);
        clock.advance(Duration.ofSeconds(7));
        cache.get("acme", key -> {
            throw new IllegalStateException("database down");
        });
        background.poll().run(); // fails, logged at DEBUG; the kept value stays until its end
        assertThat(cache.get("acme", load)).isEqualTo("acme=v1");
        assertThat(background).as("a failed load is tried again by the next caller's get").hasSize(1);

        stored = "v2";
        clock.advance(Duration.ofSeconds(1)); // 8 s: the end of the first value's lifetime, nothing ran
        assertThat(cache.get("acme", load)).isEqualTo("acme=v2");
        assertThat(loads).as("the first load and the caller's after expiry").hasValue(2);
    }

    @Test
    void aLoadThatBeganBeforeAnInvalidationIsNotKept() {
        String first = cache.get("acme", key -> {
            String v = load.apply(key);
            stored = "v2"; // an admin changes the org while the value is read ...
            cache.invalidateIf("acme"::equals); // ... and invalidates it
            return v;
        });

        assertThat(first).as("the caller gets what it read").isEqualTo("acme=v1");
        assertThat(cache.get("acme", load)).as("but it is not kept").isEqualTo("acme=v2");
    }

    @Test
    void aBackgroundLoadThatBeganBeforeAnInvalidationIsNotKept() {
        cache.get("acme", load);
        clock.advance(Duration.ofSeconds(7));
        cache.get("acme", key -> {
            String v = load.apply(key);
            stored = "v2";
            cache.invalidateIf("acme"::equals);
            return v;
        });
        background.poll().run();

        assertThat(cache.get("acme", load)).isEqualTo("acme=v2");
    }

    @Test
    void aRefresherThatRefusesLeavesTheLoadToTheCallerAfterExpiry() {
        Executor refusing = task -> {
            throw new RejectedExecutionException("full");
        };
        TtlCache<String, String> busy = new TtlCache<>(TTL, clock, 100, refusing);
        busy.get("acme", load);
        clock.advance(Duration.ofSeconds(7));
        assertThat(busy.get("acme", load)).isEqualTo("acme=v1");
        stored = "v2";
        clock.advance(Duration.ofSeconds(1));

        assertThat(busy.get("acme", load)).isEqualTo("acme=v2");
        assertThat(loads).hasValue(2);
    }

    @Test
    void aLifetimeOfZeroLoadsEveryTime() {
        TtlCache<String, String> none = new TtlCache<>(Duration.ZERO, clock, 100, background::add);
        none.get("acme", load);
        none.get("acme", load);
        assertThat(loads).hasValue(2);
        assertThat(background).isEmpty();
    }
}
