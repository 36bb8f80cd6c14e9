package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.spi.AuditPages;
import dev.aitenancy.spi.UsageCursor;
import java.time.Instant;
import java.util.List;

/** The audit log: administrative actions and secret reads, per org. */
public interface AuditSink {

    void record(AuditEvent event);

    /** The org's events from {@code from} (inclusive) to {@code to} (exclusive), newest first. */
    List<AuditEvent> query(OrgId org, Instant from, Instant to, int limit);

    /**
     * One page of the org's events that match the query, newest first. This default reads the whole
     * period through {@link #query(OrgId, Instant, Instant, int)} and filters it; the built-in sinks
     * filter and page in their store.
     *
     * @throws dev.aitenancy.InvalidRequestException {@code AI_INVALID_REQUEST} for a cursor this
     *                                              library did not make
     */
    default AuditPage query(AuditQuery q) {
        UsageCursor after = q.cursor() == null ? null : UsageCursor.decode(q.cursor());
        List<AuditEvent> matching = query(q.org(), q.from() == null ? Instant.MIN : q.from(),
                q.to() == null ? Instant.MAX : q.to(), Integer.MAX_VALUE).stream()
                .filter(q::matches)
                .sorted(AuditPages.NEWEST_FIRST)
                .filter(e -> after == null || AuditPages.isAfter(e, after))
                .limit(q.limit() + 1L)
                .toList();
        return AuditPages.page(matching, q.limit());
    }
}
