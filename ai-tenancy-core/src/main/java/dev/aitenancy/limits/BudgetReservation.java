package dev.aitenancy.limits;

import java.math.BigDecimal;

/** A call's hold on its budgets, settled once when the call ends. */
public interface BudgetReservation {

    /** No budget applied. */
    BudgetReservation NONE = actual -> {
    };

    /**
     * Turns the hold into the actual spend (null when the cost is unknown: the reserved amount is
     * kept as spent, the safe side) and releases the rest. Idempotent.
     */
    void settle(BigDecimal actualUsd);
}
