package dev.aitenancy.admin;

import dev.aitenancy.contract.OrgAdminContract;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryFeatureFlags;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryTemplateStore;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.memory.InMemoryUsageTextSettings;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import java.time.Instant;
import java.util.List;

/** The {@link OrgAdminContract} over the in-memory parts. */
class InMemoryOrgAdminTest extends OrgAdminContract {

    @Override
    protected Parts newParts(MutableClock clock) {
        return new Parts(new InMemoryModelCatalog(ModelRegistry.builtIn()), new InMemoryBudgetLedger(clock, dev.aitenancy.limits.BudgetAlertListener.NONE),
                new InMemoryUsageSink(), new InMemoryFeatureFlags(), new InMemoryTemplateStore(clock),
                new InMemoryUsageTextSettings(), new InMemoryGuardrailStore(),
                new InMemoryRateLimiter(clock, RateLimitPolicy.DEFAULT), new InMemoryAuditSink());
    }

    /** No in-memory store can be unavailable, so this one fails as a remote store would. */
    @Override
    protected AuditSink unavailableAudit(MutableClock clock) {
        return new AuditSink() {
            @Override
            public void record(AuditEvent event) {
                throw new IllegalStateException("audit store unavailable");
            }

            @Override
            public List<AuditEvent> query(OrgId org, Instant from, Instant to, int limit) {
                throw new IllegalStateException("audit store unavailable");
            }
        };
    }
}
