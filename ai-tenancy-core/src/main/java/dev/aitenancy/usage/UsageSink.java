package dev.aitenancy.usage;

/**
 * Where usage records go, on the path of every call: {@link #started} is written before the
 * provider is called, so a crash mid-call still leaves a row; {@link #finished} replaces it with
 * the outcome. A call refused before the provider was called (rate limit, missing key) is written
 * once, by {@link #finished} alone. Implementations must never lose a finished record they
 * accepted. A backend that also answers queries, totals, exports and purges implements
 * {@link UsageLog}.
 */
public interface UsageSink {

    /**
     * Stores the record of a call about to reach its provider. A sink that promises durability
     * (the JDBC one) has written it when this returns, and throws when it could not, so the call is
     * refused rather than made without a trace.
     */
    void started(UsageRecord record);

    /** Stores the final state of the record with this id, whether or not it was started. */
    void finished(UsageRecord record);

    /**
     * Stores the finished record and settles the call's budget reservation at what the record
     * bills ({@link UsageRecord#billed()}, zero when unpriced): the ledger then always equals the
     * sum of the records. This default settles, then stores; a sink that shares a database with
     * the ledger does both in one transaction and retries it until it is written.
     */
    default void finished(UsageRecord record, dev.aitenancy.limits.BudgetReservation reservation) {
        java.math.BigDecimal charged = record.billed().isPriced() ? record.billed().amount()
                : java.math.BigDecimal.ZERO;
        try {
            reservation.settle(charged);
        } finally {
            finished(record);
        }
    }
}
