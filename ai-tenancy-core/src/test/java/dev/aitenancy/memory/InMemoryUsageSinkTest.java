package dev.aitenancy.memory;

import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.contract.UsageSinkContract;
import dev.aitenancy.usage.UsageSink;

class InMemoryUsageSinkTest extends UsageSinkContract {

    @Override
    protected UsageLog newSink() {
        return new InMemoryUsageSink();
    }
}
