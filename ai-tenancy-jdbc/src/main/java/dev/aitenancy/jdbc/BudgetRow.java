package dev.aitenancy.jdbc;

import java.util.Comparator;

/**
 * One row of {@code ai_budget_usage}: an org's spend and reservations under one budget in one
 * period. Ordered as every transaction locks these rows (org, budget key, period, by code point;
 * PostgreSQL sorts with {@code COLLATE "C"} to match), so reservations and settlements of any
 * number of calls never wait for each other in a cycle.
 */
record BudgetRow(String org, String budgetKey, String period) implements Comparable<BudgetRow> {

    private static final Comparator<BudgetRow> ORDER = Comparator.comparing(BudgetRow::org)
            .thenComparing(BudgetRow::budgetKey).thenComparing(BudgetRow::period);

    @Override
    public int compareTo(BudgetRow o) {
        return ORDER.compare(this, o);
    }
}
