package dev.aitenancy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void idsAreVersion7UuidsThatSortByTheirMillisecond() {
        long t = 1_764_547_200_000L; // 2025-12-01T00:00:00Z
        UUID id = Ids.timeOrdered(t);

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(t);
        assertThat(UUID.fromString(id.toString())).isEqualTo(id);
        assertThat(Ids.timeOrdered(t + 1).toString()).isGreaterThan(Ids.timeOrdered(t).toString());
    }

    @Test
    void idsOfTheSameMillisecondDoNotRepeat() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            assertThat(seen.add(Ids.timeOrdered(42L))).isTrue();
        }
    }
}
