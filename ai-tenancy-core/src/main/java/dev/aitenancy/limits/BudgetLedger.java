package dev.aitenancy.limits;

import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;

/**
 * Budgets per org, group, user and tier, and the money reserved and spent against them in each
 * period. {@link #reserve} admits a call only if every hard budget that applies has room for its
 * worst-case cost; the reservation is settled to the actual cost after the call.
 *
 * <p>A call that cannot be priced (its model has no price) is reserved with {@code worstCase ==
 * null}, never as zero: a hard budget that applies refuses it with
 * {@link dev.aitenancy.ErrorCode#AI_BUDGET_UNPRICED_MODEL} unless the budget
 * {@linkplain Budget#allowUnpriced() allows unpriced models}, and every soft budget that applies and
 * does not allow them is reported in {@link BudgetReservation#softBudgetsOverrun()} (its cost is
 * unknown, so it may take the budget past its limit). An admitted unpriced call holds nothing, and
 * settling it with an unknown cost ({@code null}) adds nothing to the spend.
 *
 * <p>This is what a call needs; setting and listing budgets is {@link BudgetStore}.
 */
public interface BudgetLedger {

    /**
     * @param tier       the tier the call goes through, or null
     * @param worstCase  the most the call can cost (input estimate plus output cap at the price it is
     *                   billed at), or {@code null} when the call cannot be priced
     * @throws dev.aitenancy.BudgetExceededException naming the budget without room
     *                   ({@code AI_BUDGET_EXCEEDED}), or the hard budget that does not admit an
     *                   unpriced call ({@code AI_BUDGET_UNPRICED_MODEL})
     */
    BudgetReservation reserve(OrgId org, Caller caller, String tier, BigDecimal worstCase);

    /**
     * As {@link #reserve(OrgId, Caller, String, BigDecimal)}, for the call whose usage record has
     * the id {@code callId}: a ledger that shares a database with the usage records keys the
     * reservation by it, so the finished record and the settlement are written as one unit and a
     * call whose instance died is settled from its record. This default ignores the id.
     */
    default BudgetReservation reserve(java.util.UUID callId, OrgId org, Caller caller, String tier,
            BigDecimal worstCase) {
        return reserve(org, caller, tier, worstCase);
    }

    /** A ledger without budgets: every call is admitted and nothing is held. */
    static BudgetLedger none() {
        return (org, caller, tier, worstCase) -> BudgetReservation.NONE;
    }
}
