package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.tenant.OrgId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every feature flag store must do. */
public abstract class FeatureFlagStoreContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");

    protected abstract FeatureFlagStore newStore();

    @Test
    void featuresAreOnUntilSwitchedOffPerOrg() {
        FeatureFlagStore flags = newStore();

        flags.set(ACME, "generic-text", false).set(ACME, "support-reply", true);

        assertThat(flags.isEnabled(ACME, "generic-text")).isFalse();
        assertThat(flags.isEnabled(ACME, "support-reply")).isTrue();
        assertThat(flags.isEnabled(ACME, "never-set")).isTrue();
        assertThat(flags.isEnabled(GLOBEX, "generic-text")).as("another org is untouched").isTrue();
        assertThat(flags.flags(ACME)).isEqualTo(Map.of("generic-text", false, "support-reply", true));
        assertThat(flags.flags(GLOBEX)).isEmpty();
    }

    @Test
    void switchingAgainReplacesTheSetting() {
        FeatureFlagStore flags = newStore();

        flags.set(ACME, "generic-text", false);
        flags.set(ACME, "generic-text", true);

        assertThat(flags.isEnabled(ACME, "generic-text")).isTrue();
        assertThat(flags.flags(ACME)).isEqualTo(Map.of("generic-text", true));
    }
}
