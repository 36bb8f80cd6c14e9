package dev.aitenancy.spi;

import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditPage;
import java.util.Comparator;
import java.util.List;

/** Keyset pages of audit events in memory: newest first, then by id descending. */
public final class AuditPages {

    public static final Comparator<AuditEvent> NEWEST_FIRST = Comparator.comparing(AuditEvent::at)
            .thenComparing(AuditEvent::id).reversed();

    private AuditPages() {
    }

    /** Whether an event comes after a cursor in {@link #NEWEST_FIRST} order. */
    public static boolean isAfter(AuditEvent e, UsageCursor c) {
        int byTime = e.at().compareTo(c.startedAt());
        return byTime < 0 || (byTime == 0 && e.id().compareTo(c.id()) < 0);
    }

    /** A page of {@code limit} events out of up to {@code limit + 1} read ones. */
    public static AuditPage page(List<AuditEvent> upToOneMore, int limit) {
        boolean more = upToOneMore.size() > limit;
        List<AuditEvent> events = more ? upToOneMore.subList(0, limit) : upToOneMore;
        AuditEvent last = more ? events.get(events.size() - 1) : null;
        return new AuditPage(events, more ? new UsageCursor(last.at(), last.id()).encode() : null);
    }
}
