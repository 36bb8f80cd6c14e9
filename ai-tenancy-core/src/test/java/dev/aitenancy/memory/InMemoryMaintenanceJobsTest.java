package dev.aitenancy.memory;

import dev.aitenancy.contract.MaintenanceJobsContract;

class InMemoryMaintenanceJobsTest extends MaintenanceJobsContract {

    @Override
    protected Stores newStores() {
        return new Stores(new InMemoryUsageSink(), new InMemoryAuditSink(), new InMemoryJobRuns());
    }
}
