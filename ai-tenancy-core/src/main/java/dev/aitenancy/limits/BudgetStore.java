package dev.aitenancy.limits;

import dev.aitenancy.tenant.OrgId;
import java.util.List;

/**
 * A {@link BudgetLedger} whose budgets can be set, listed and removed: what the admin side needs
 * besides the call path's {@link BudgetLedger#reserve}.
 */
public interface BudgetStore extends BudgetLedger {

    /** Adds or replaces the budget of the same org, scope, subject and period. */
    void setBudget(Budget budget);

    /** The org's budgets of every scope and period. */
    List<Budget> budgets(OrgId org);

    /**
     * Removes the org's budget of that scope, subject (null for the org) and period. What was spent
     * under it stays recorded: a budget set again in the same period starts from that (calls made
     * while there was no budget do not count), and calls already admitted settle as usual.
     *
     * @return false when there was no such budget
     */
    boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period);

    /**
     * What is spent and reserved under {@code budget} in the period {@code at} falls in (its
     * current period when {@code at} is now); nothing counted yet is {@link BudgetSpend#none}.
     */
    BudgetSpend spend(Budget budget, java.time.Instant at);
}
