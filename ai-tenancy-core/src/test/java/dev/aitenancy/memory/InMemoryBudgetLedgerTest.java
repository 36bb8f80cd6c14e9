package dev.aitenancy.memory;

import dev.aitenancy.contract.BudgetLedgerContract;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetStore;
import java.time.Clock;

class InMemoryBudgetLedgerTest extends BudgetLedgerContract {

    @Override
    protected BudgetStore newLedger(Clock clock, BudgetAlertListener listener) {
        return new InMemoryBudgetLedger(clock, listener);
    }
}
