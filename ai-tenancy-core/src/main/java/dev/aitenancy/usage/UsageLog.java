package dev.aitenancy.usage;

import dev.aitenancy.spi.PricingTally;
import dev.aitenancy.tenant.OrgId;
import java.util.List;

/**
 * A {@link UsageSink} that also reads its records back for administration: pages, totals, exports,
 * the retention purge and the pricing report. The call path needs only {@link UsageSink}.
 */
public interface UsageLog extends UsageSink {

    /** The org's most recent records, newest first. */
    default List<UsageRecord> recent(OrgId org, int limit) {
        return query(UsageQuery.of(org).withPageSize(Math.max(1, Math.min(limit, UsageQuery.MAX_PAGE_SIZE))))
                .records();
    }

    /**
     * One record of the org by its id (as {@link dev.aitenancy.JobResult#usageRecordId()} gives
     * it); empty when the org has no such record. This default pages through the org's records;
     * the built-in sinks look it up directly.
     */
    default java.util.Optional<UsageRecord> find(OrgId org, java.util.UUID id) {
        UsageQuery q = UsageQuery.of(org).withPageSize(UsageQuery.MAX_PAGE_SIZE);
        for (UsagePage page = query(q); ; page = query(q.after(page))) {
            for (UsageRecord r : page.records()) {
                if (r.id().equals(id)) {
                    return java.util.Optional.of(r);
                }
            }
            if (!page.hasMore()) {
                return java.util.Optional.empty();
            }
        }
    }

    /** One page of the org's records that match the query, newest first. */
    UsagePage query(UsageQuery query);

    /** Totals over every record that matches the query. */
    UsageTotals totals(UsageQuery query);

    /**
     * Writes every record that matches the query (page size and cursor aside), newest first,
     * streaming: records are read and written one at a time, never all held at once.
     *
     * @return how many records were written
     */
    long export(UsageQuery query, ExportFormat format, java.io.Writer out);

    /**
     * Deletes the org's records that started before {@code before} (retention, default 60 days).
     *
     * @return how many records were removed
     */
    long purge(OrgId org, java.time.Instant before);

    /**
     * The orgs that have records that started before {@code before}: the orgs a retention purge of
     * every org visits, in id order. The built-in sinks read them from their store; this default
     * cannot list the orgs and throws.
     *
     * @throws UnsupportedOperationException unless the implementation overrides it
     */
    default java.util.SortedSet<OrgId> orgsWithRecordsBefore(java.time.Instant before) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot list the orgs that have records: implement UsageLog.orgsWithRecordsBefore(Instant)");
    }

    /**
     * What the org's finished calls that started in {@code [from, to)} cost, by tier, user and
     * model, with the busiest hours of the day in {@code zone}, averages and the top tenth of users.
     * This default reads the records page by page; a database sink computes it with SQL instead.
     *
     * @throws dev.aitenancy.InvalidRequestException {@code AI_INVALID_REQUEST} when a part is missing
     *                                              or {@code from} is not before {@code to}
     */
    default PricingReport pricingReport(OrgId org, java.time.Instant from, java.time.Instant to,
            java.time.ZoneId zone) {
        PricingTally tally = new PricingTally(org, from, to, zone);
        UsageQuery q = UsageQuery.of(org).between(from, to).withPageSize(UsageQuery.MAX_PAGE_SIZE);
        for (UsagePage page = query(q); ; page = query(q.after(page))) {
            page.records().stream().filter(r -> r.status() != UsageStatus.STARTED).forEach(tally::add);
            if (!page.hasMore()) {
                return tally.report();
            }
        }
    }
}
