package dev.aitenancy.spi;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.List;

/**
 * Which budgets apply to a call, the key of a budget's current period, and the rule that admits or
 * refuses a call under one budget ({@link #admit}), shared by every ledger so they refuse alike.
 */
public final class BudgetPeriods {

    /** How a refusal for a model without a price starts, until {@link #namingModel} names the model. */
    private static final String UNPRICED_SUBJECT = "this call's model";

    private BudgetPeriods() {
    }

    /** The first day of the budget's period containing {@code now}, in the budget's zone, as text. */
    public static String periodKey(Budget b, Instant now) {
        return b.period().name().charAt(0) + periodStart(b, now).toString();
    }

    /** The first day of the budget's period containing {@code now}, in the budget's zone. */
    public static LocalDate periodStart(Budget b, Instant now) {
        LocalDate day = now.atZone(b.zone()).toLocalDate();
        return switch (b.period()) {
            case DAILY -> day;
            case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTHLY -> day.withDayOfMonth(1);
        };
    }

    /** When the period of {@code b} that {@code now} falls in ends (the next one's first instant). */
    public static Instant periodEnd(Budget b, Instant now) {
        LocalDate day = now.atZone(b.zone()).toLocalDate();
        LocalDate next = switch (b.period()) {
            case DAILY -> day.plusDays(1);
            case WEEKLY -> day.with(TemporalAdjusters.next(DayOfWeek.MONDAY));
            case MONTHLY -> day.withDayOfMonth(1).plusMonths(1);
        };
        return next.atStartOfDay(b.zone()).toInstant();
    }

    /**
     * Whether a call of {@code worstCase} fits {@code b} with {@code used} already spent or
     * reserved in the period.
     */
    public static boolean fits(Budget b, BigDecimal used, BigDecimal worstCase) {
        return b.limitUsd().subtract(used).compareTo(worstCase) >= 0;
    }

    /**
     * The rule every ledger applies to one budget: whether a call of {@code worstCase} (null: the
     * call cannot be priced) may go ahead under {@code b} with {@code used} already spent or
     * reserved in the period.
     *
     * @return true when the call fits; false when {@code b} is soft and the call may take it past its
     *         limit, or cannot be priced and {@code b} does not allow that (the call goes ahead with
     *         a warning)
     * @throws BudgetExceededException when {@code b} is hard: {@code AI_BUDGET_UNPRICED_MODEL} for an
     *                                 unpriced call it does not allow, {@code AI_BUDGET_EXCEEDED} when
     *                                 it has no room (for an allowed unpriced call: nothing left)
     */
    public static boolean admit(OrgId org, Budget b, BigDecimal used, BigDecimal worstCase) {
        if (worstCase == null && !b.allowUnpriced()) {
            if (b.hard()) {
                throw unpriced(org, b);
            }
            return false;
        }
        boolean room = worstCase == null ? used.compareTo(b.limitUsd()) < 0 : fits(b, used, worstCase);
        if (room) {
            return true;
        }
        if (b.hard()) {
            throw exceeded(org, b, b.limitUsd().subtract(used), worstCase);
        }
        return false;
    }

    private static BudgetExceededException unpriced(OrgId org, Budget b) {
        return new BudgetExceededException(ErrorCode.AI_BUDGET_UNPRICED_MODEL, org.value(), UNPRICED_SUBJECT
                + " has no price, and the hard " + b.describe() + " of org " + org + " admits only calls it can "
                + "count: give the model a price (its entry in the model registry, or rates on its tier), or an "
                + "admin can allow unpriced models under this budget (allowUnpriced)");
    }

    private static BudgetExceededException exceeded(OrgId org, Budget b, BigDecimal left, BigDecimal worstCase) {
        String name = "the " + b.describe() + " of org " + org;
        if (worstCase == null) {
            return new BudgetExceededException(ErrorCode.AI_BUDGET_EXCEEDED, org.value(), name + " is spent, so it "
                    + "admits no more calls, not even to models without a price; an admin can raise the budget");
        }
        return new BudgetExceededException(ErrorCode.AI_BUDGET_EXCEEDED, org.value(), name + " has "
                + left.max(BigDecimal.ZERO).stripTrailingZeros().toPlainString()
                + " USD left and this call may cost up to " + worstCase.stripTrailingZeros().toPlainString()
                + " USD; lower max output tokens, or an admin can raise the budget");
    }

    /**
     * A refusal for a model without a price that names the model (e.g. {@code openai/ft-x}) instead
     * of "this call's model"; any other exception as it is.
     */
    public static BudgetExceededException namingModel(BudgetExceededException e, String model) {
        if (e.code() != ErrorCode.AI_BUDGET_UNPRICED_MODEL || e.getMessage() == null
                || !e.getMessage().startsWith(UNPRICED_SUBJECT)) {
            return e;
        }
        return new BudgetExceededException(e.code(), e.orgId(), "model " + model
                + e.getMessage().substring(UNPRICED_SUBJECT.length()), e);
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
