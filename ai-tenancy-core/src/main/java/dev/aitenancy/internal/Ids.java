package dev.aitenancy.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids of calls and their usage records: version 7 UUIDs (RFC 9562), the time in milliseconds
 * followed by 74 random bits. They sort by time, so a database index on them grows at its end
 * rather than everywhere, and they cost no lock: the random bits come from
 * {@link ThreadLocalRandom}, not {@code SecureRandom} as {@link UUID#randomUUID()}'s do. These ids
 * name records; they are not secrets and must not be used as ones.
 */
public final class Ids {

    private Ids() {
    }

    /** A new version 7 UUID for the time {@code epochMillis}. */
    public static UUID timeOrdered(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | random.nextLong() & 0x0FFFL;
        long lsb = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
