package dev.aitenancy.memory;

import dev.aitenancy.contract.AuditSinkContract;
import dev.aitenancy.usage.AuditSink;

class InMemoryAuditSinkTest extends AuditSinkContract {

    @Override
    protected AuditSink newSink() {
        return new InMemoryAuditSink();
    }
}
