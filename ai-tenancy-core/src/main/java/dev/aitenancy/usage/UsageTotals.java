package dev.aitenancy.usage;

import java.math.BigDecimal;

/**
 * Totals over the records a query matches (its page and cursor aside). Token sums count the known
 * values only; {@code unpricedRequests} says how many records had no price, so a cost total is
 * never silently short.
 *
 * @param averageLatencyMillis over records with a latency, or null when none has one
 */
public record UsageTotals(long requests, long inputTokens, long outputTokens, Double averageLatencyMillis,
        BigDecimal costUsd, long unpricedRequests) {
}
