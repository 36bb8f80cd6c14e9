package dev.aitenancy.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateLimitPolicyTest {

    @Test
    void theBuilderStartsFromTheDefaultsAndSetsEachLimitByName() {
        assertThat(RateLimitPolicy.builder().build()).isEqualTo(RateLimitPolicy.DEFAULT)
                .isEqualTo(new RateLimitPolicy(30, 60, 0));

        RateLimitPolicy p = RateLimitPolicy.builder().userRequestsPerMinute(10).ipRequestsPerMinute(20)
                .orgRequestsPerMinute(300).userTokensPerMinute(40_000).orgTokensPerMinute(500_000)
                .userRequestsPerDay(1_000).orgRequestsPerDay(20_000).userKeyChecksPerMinute(2).build();

        assertThat(p).isEqualTo(new RateLimitPolicy(10, 20, 300, 40_000, 500_000, 1_000, 20_000, 2));
        assertThat(p.toBuilder().orgTokensPerMinute(0).build())
                .isEqualTo(new RateLimitPolicy(10, 20, 300, 40_000, 0, 1_000, 20_000, 2));
        assertThat(p.withRequestsPerDay(5, 6)).isEqualTo(p.toBuilder().userRequestsPerDay(5).orgRequestsPerDay(6).build());
    }

    @Test
    void aNegativeLimitIsRefusedByName() {
        assertThatThrownBy(() -> RateLimitPolicy.builder().orgTokensPerMinute(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("orgTokensPerMinute is -1; limits must be >= 0 (0 = unlimited)");
    }
}
