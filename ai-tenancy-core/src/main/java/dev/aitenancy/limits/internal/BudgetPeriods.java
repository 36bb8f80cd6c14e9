package dev.aitenancy.limits.internal;

import dev.aitenancy.limits.Budget;
import dev.aitenancy.tenant.Caller;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.List;

/** Which budgets apply to a call, and the key of a budget's current period. */
public final class BudgetPeriods {

    private BudgetPeriods() {
    }

    /** The first day of the budget's period containing {@code now}, in the budget's zone, as text. */
    public static String periodKey(Budget b, Instant now) {
        LocalDate day = now.atZone(b.zone()).toLocalDate();
        LocalDate start = switch (b.period()) {
            case DAILY -> day;
            case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTHLY -> day.withDayOfMonth(1);
        };
        return b.period().name().charAt(0) + start.toString();
    }

    /**
     * Whether a call of {@code worstCase} fits {@code b} with {@code used} already spent or
     * reserved in the period.
     */
    public static boolean fits(Budget b, BigDecimal used, BigDecimal worstCase) {
        return b.limitUsd().subtract(used).compareTo(worstCase) >= 0;
    }

    /** The budgets among {@code all} that cover this caller and tier. */
    public static List<Budget> applying(List<Budget> all, Caller caller, String tier) {
        return all.stream().filter(b -> switch (b.scope()) {
            case ORG -> true;
            case USER -> b.subject().equals(caller.userId());
            case GROUP -> caller.groupIds().contains(b.subject());
            case TIER -> b.subject().equals(tier);
        }).toList();
    }

    /** A stable identity of a budget within its org: scope, subject and period. */
    public static String budgetKey(Budget b) {
        return budgetKey(b.scope(), b.subject(), b.period());
    }

    /** As {@link #budgetKey(Budget)}, from its parts. */
    public static String budgetKey(Budget.Scope scope, String subject, Budget.Period period) {
        return scope + ":" + (subject == null ? "" : subject) + ":" + period;
    }
}
