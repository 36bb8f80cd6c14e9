package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * What an org's calls cost in a period, for pricing its plan: requests and cost by tier, user and
 * model, the hours of day the org calls most, averages, and the users who cost most. Counts every
 * finished record (ok, error, canceled) that started in {@code [from, to)}; calls still in flight
 * are left out.
 *
 * @param total                   every counted record
 * @param byTier                  by tier; most costly first (then by key, null last)
 * @param byUser                  by user id; most costly first
 * @param byModel                 by {@code provider/model}; most costly first
 * @param byHour                  24 entries, hours 0 to 23 of {@code zone}, with the requests
 *                                that started in that hour of the day
 * @param users                   distinct users with at least one record (calls without a user aside)
 * @param averageCostPerRequest   list cost over the priced requests; null when none is priced
 * @param averageBilledPerRequest billed amount over the requests with one; null when none has one
 * @param averageCostPerUser      list cost of the users' calls over {@code users}; null when no user
 * @param averageBilledPerUser    billed amount of the users' calls over {@code users}; null when no user
 * @param topUsers                the most costly tenth of the users (at least one when there are
 *                                any), by list cost, then billed amount, then user id
 */
public record PricingReport(OrgId org, Instant from, Instant to, ZoneId zone, PricingLine total,
        List<PricingLine> byTier, List<PricingLine> byUser, List<PricingLine> byModel, List<HourlyRequests> byHour,
        long users, BigDecimal averageCostPerRequest, BigDecimal averageBilledPerRequest,
        BigDecimal averageCostPerUser, BigDecimal averageBilledPerUser, List<PricingLine> topUsers) {

    /** The requests that started in one hour of the day (0 to 23) in the report's zone. */
    public record HourlyRequests(int hour, long requests) {
    }

    public PricingReport {
        byTier = List.copyOf(byTier);
        byUser = List.copyOf(byUser);
        byModel = List.copyOf(byModel);
        byHour = List.copyOf(byHour);
        topUsers = List.copyOf(topUsers);
    }

    /** The hours of the day with the most requests (several when tied), ascending; empty without requests. */
    public List<Integer> peakHours() {
        long max = byHour.stream().mapToLong(HourlyRequests::requests).max().orElse(0);
        return max == 0 ? List.of()
                : byHour.stream().filter(h -> h.requests() == max).map(HourlyRequests::hour).toList();
    }
}
