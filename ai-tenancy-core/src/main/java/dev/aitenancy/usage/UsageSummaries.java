package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import java.time.LocalDate;
import java.util.List;

/**
 * Daily usage summaries per org, provider, model and user. {@link #summarize} may be run again for
 * the same day (it replaces that day's summaries) and by several instances at once.
 */
public interface UsageSummaries {

    /**
     * Computes the summaries of one UTC day from the finished usage records.
     *
     * @return how many summary rows the day now has
     */
    int summarize(LocalDate day);

    /** The org's summaries from {@code from} to {@code to}, both inclusive, by day, provider, model, user. */
    List<DailySummary> daily(OrgId org, LocalDate from, LocalDate to);
}
