package dev.aitenancy.memory;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** An audit log in memory. */
public final class InMemoryAuditSink implements AuditSink {

    private final ConcurrentLinkedQueue<AuditEvent> events = new ConcurrentLinkedQueue<>();

    @Override
    public void record(AuditEvent event) {
        events.add(event);
    }

    @Override
    public List<AuditEvent> query(OrgId org, Instant from, Instant to, int limit) {
        return events.stream()
                .filter(e -> e.org().equals(org) && !e.at().isBefore(from) && e.at().isBefore(to))
                .sorted(Comparator.comparing(AuditEvent::at).thenComparing(AuditEvent::id).reversed())
                .limit(Math.max(0, limit))
                .toList();
    }
}
