package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.List;

/** The audit log: administrative actions and secret reads, per org. */
public interface AuditSink {

    void record(AuditEvent event);

    /** The org's events from {@code from} (inclusive) to {@code to} (exclusive), newest first. */
    List<AuditEvent> query(OrgId org, Instant from, Instant to, int limit);
}
