package dev.aitenancy.limits;

import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.util.List;

/**
 * Budgets per org, group, user and tier, and the money reserved and spent against them in each
 * period. {@link #reserve} admits a call only if every hard budget that applies has room for its
 * worst-case cost; the reservation is settled to the actual cost after the call.
 */
public interface BudgetLedger {

    /**
     * @param tier       the tier the call goes through, or null
     * @param worstCase  the most the call can cost (input estimate plus output cap at list price)
     * @throws dev.aitenancy.BudgetExceededException naming the budget without room
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

    /** Adds or replaces the budget of the same org, scope, subject and period. */
    void setBudget(Budget budget);

    List<Budget> budgets(OrgId org);

    /**
     * Removes the org's budget of that scope, subject (null for the org) and period. What was spent
     * under it stays recorded: a budget set again in the same period starts from that (calls made
     * while there was no budget do not count), and calls already admitted settle as usual.
     *
     * @return false when there was no such budget
     */
    boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period);

    /** A ledger without budgets. */
    static BudgetLedger none() {
        return new BudgetLedger() {
            @Override
            public BudgetReservation reserve(OrgId org, Caller caller, String tier, BigDecimal worstCase) {
                return BudgetReservation.NONE;
            }

            @Override
            public void setBudget(Budget budget) {
                throw new UnsupportedOperationException("this ledger keeps no budgets");
            }

            @Override
            public List<Budget> budgets(OrgId org) {
                return List.of();
            }

            @Override
            public boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period) {
                return false;
            }
        };
    }
}
