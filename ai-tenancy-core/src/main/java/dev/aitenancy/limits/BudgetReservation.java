package dev.aitenancy.limits;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

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

    /**
     * The soft budgets this call may take past their limit: the call goes ahead, and the warning is
     * reported in its result and usage record. For a call that cannot be priced: every soft budget
     * that applies and does not {@linkplain Budget#allowUnpriced() allow unpriced models}.
     */
    default List<Budget> softBudgetsOverrun() {
        return List.of();
    }

    /** A reservation settled by {@code settle} that took {@code overrun} soft budgets past their limit. */
    static BudgetReservation of(Consumer<BigDecimal> settle, List<Budget> overrun) {
        Objects.requireNonNull(settle, "settle");
        List<Budget> warnings = List.copyOf(overrun);
        return new BudgetReservation() {
            @Override
            public void settle(BigDecimal actualUsd) {
                settle.accept(actualUsd);
            }

            @Override
            public List<Budget> softBudgetsOverrun() {
                return warnings;
            }
        };
    }
}
