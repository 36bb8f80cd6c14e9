package dev.aitenancy.memory;

import dev.aitenancy.contract.BudgetLedgerContract;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import java.time.Clock;

class InMemoryBudgetLedgerTest extends BudgetLedgerContract {

    @Override
    protected BudgetLedger newLedger(Clock clock, BudgetAlertListener listener) {
        return new InMemoryBudgetLedger(clock, listener);
    }
}
