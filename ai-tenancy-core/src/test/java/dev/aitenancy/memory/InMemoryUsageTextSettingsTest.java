package dev.aitenancy.memory;

import dev.aitenancy.contract.UsageTextSettingsContract;
import dev.aitenancy.usage.UsageTextSettings;

class InMemoryUsageTextSettingsTest extends UsageTextSettingsContract {

    @Override
    protected UsageTextSettings newSettings() {
        return new InMemoryUsageTextSettings();
    }
}
