package dev.aitenancy.usage;

import java.math.BigDecimal;

/**
 * Requests and money of one group of usage records in a {@link PricingReport}: one tier, one user
 * or one model. Sums count known amounts only; the records without an amount are counted apart,
 * so a sum is never silently short.
 *
 * @param key              the tier name, user id or {@code provider/model}; null for records
 *                         without one (no tier, no user, or refused before a model was chosen)
 * @param costUsd          provider cost at list price, summed over the priced records
 * @param billedUsd        what the org is billed, summed over the records with a billed amount
 * @param unpricedRequests records without a list price (unknown model price or unknown tokens,
 *                         which includes calls refused before the provider)
 * @param unbilledRequests records without a billed amount
 */
public record PricingLine(String key, long requests, BigDecimal costUsd, BigDecimal billedUsd, long unpricedRequests,
        long unbilledRequests) {

    /** Requests that have a list price. */
    public long pricedRequests() {
        return requests - unpricedRequests;
    }
}
