package dev.aitenancy.usage.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Version 7 UUIDs (RFC 9562): a millisecond timestamp, then a counter, then random bits. Ids made
 * by one JVM sort in the order they were made (also within one millisecond), so events of the same
 * instant keep their order in a keyset that breaks ties by id.
 */
public final class TimeOrderedIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The last (millisecond << 12 | counter) handed out. */
    private static final AtomicLong LAST = new AtomicLong();

    private TimeOrderedIds() {
    }

    public static UUID next() {
        long now = System.currentTimeMillis() << 12;
        long state = LAST.updateAndGet(prev -> Math.max(prev + 1, now));
        long millis = state >>> 12;
        long counter = state & 0xFFF;
        long msb = (millis << 16) | (0x7L << 12) | counter;
        long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
