package dev.aitenancy.memory;

import dev.aitenancy.contract.UsageSinkContract;
import dev.aitenancy.usage.UsageSink;

class InMemoryUsageSinkTest extends UsageSinkContract {

    @Override
    protected UsageSink newSink() {
        return new InMemoryUsageSink();
    }
}
