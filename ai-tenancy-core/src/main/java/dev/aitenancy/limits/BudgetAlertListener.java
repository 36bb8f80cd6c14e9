package dev.aitenancy.limits;

import java.math.BigDecimal;

/** Told once per budget and period when the spend crosses the budget's alert threshold. */
@FunctionalInterface
public interface BudgetAlertListener {

    BudgetAlertListener NONE = (budget, period, spentUsd) -> {
    };

    /**
     * @param period the period's key, e.g. {@code M2026-11-01}
     */
    void thresholdCrossed(Budget budget, String period, BigDecimal spentUsd);
}
