package dev.aitenancy.provider.internal;

import java.time.Duration;

/**
 * The moment a call must be over by: its timeout counted from when the call started, on the
 * monotonic clock. Every attempt, backoff and {@code retry-after} wait of the call fits inside it.
 */
final class Deadline {

    /** The most a retry ever needs to have left after its delay: smaller timeouts need a tenth of themselves. */
    private static final long MAX_ROOM_FOR_AN_ATTEMPT = Duration.ofSeconds(1).toNanos();

    private final Duration timeout;
    private final long endNanos;

    private Deadline(Duration timeout) {
        this.timeout = timeout;
        this.endNanos = System.nanoTime() + Math.max(0, timeout.toNanos());
    }

    /** A deadline {@code timeout} from now; zero or negative means it has already passed. */
    static Deadline after(Duration timeout) {
        return new Deadline(timeout);
    }

    /** The whole time the call was given. */
    Duration timeout() {
        return timeout;
    }

    long remainingNanos() {
        return endNanos - System.nanoTime();
    }

    boolean passed() {
        return remainingNanos() <= 0;
    }

    /**
     * Whether an attempt started after waiting {@code delay} could still finish in time: the delay
     * must end before the deadline with a tenth of the timeout (at most 1 s) left for the attempt.
     */
    boolean leavesRoomAfter(Duration delay) {
        long room = Math.min(MAX_ROOM_FOR_AN_ATTEMPT, timeout.toNanos() / 10);
        return remainingNanos() - delay.toNanos() >= room;
    }
}
