package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageTextSettings;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What every store of the per-org "store usage text" switch must do. */
public abstract class UsageTextSettingsContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");

    protected abstract UsageTextSettings newSettings();

    @Test
    void textIsStoredUntilAnOrgSwitchesItOffAndOnlyForThatOrg() {
        UsageTextSettings settings = newSettings();

        assertThat(settings.storesText(ACME)).isTrue();
        assertThat(settings.explicitSetting(ACME)).isEmpty();

        settings.setStoresText(ACME, false);

        assertThat(settings.storesText(ACME)).isFalse();
        assertThat(settings.explicitSetting(ACME)).isEqualTo(Optional.of(false));
        assertThat(settings.storesText(GLOBEX)).isTrue();
        assertThat(settings.explicitSetting(GLOBEX)).isEmpty();
    }

    @Test
    void switchingAgainReplacesTheSetting() {
        UsageTextSettings settings = newSettings();

        settings.setStoresText(ACME, false).setStoresText(ACME, true);

        assertThat(settings.storesText(ACME)).isTrue();
        assertThat(settings.explicitSetting(ACME)).isEqualTo(Optional.of(true));
    }
}
