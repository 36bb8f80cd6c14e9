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

    /**
     * Every org's summaries of one UTC day, by org, provider, model and user: what the daily
     * summaries job reports per org. The built-in implementations read them from their store; this
     * default cannot list the orgs and throws.
     *
     * @throws UnsupportedOperationException unless the implementation overrides it
     */
    default List<DailySummary> daily(LocalDate day) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot list every org's summaries of a day: implement UsageSummaries.daily(LocalDate)");
    }
}
