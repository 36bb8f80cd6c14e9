package dev.aitenancy.limits;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;

/**
 * What is spent and reserved under a budget in one of its periods.
 *
 * @param periodStart the period's first day in the budget's zone (the day, the Monday of the week,
 *                    the first of the month)
 * @param spentUsd    the settled cost of the calls counted in the period
 * @param reservedUsd the worst cases held for calls still running
 */
public record BudgetSpend(LocalDate periodStart, BigDecimal spentUsd, BigDecimal reservedUsd) {

    public BudgetSpend {
        Objects.requireNonNull(periodStart, "periodStart");
        spentUsd = spentUsd == null ? BigDecimal.ZERO : spentUsd.stripTrailingZeros();
        reservedUsd = reservedUsd == null ? BigDecimal.ZERO : reservedUsd.stripTrailingZeros();
    }

    /** Nothing spent or reserved yet in the period starting on {@code periodStart}. */
    public static BudgetSpend none(LocalDate periodStart) {
        return new BudgetSpend(periodStart, BigDecimal.ZERO, BigDecimal.ZERO);
    }
}
