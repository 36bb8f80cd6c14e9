package dev.aitenancy.usage;

import java.util.List;

/**
 * One page of audit events, newest first.
 *
 * @param nextCursor where the next page starts, or null when this is the last page
 */
public record AuditPage(List<AuditEvent> events, String nextCursor) {

    public AuditPage {
        events = List.copyOf(events);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
