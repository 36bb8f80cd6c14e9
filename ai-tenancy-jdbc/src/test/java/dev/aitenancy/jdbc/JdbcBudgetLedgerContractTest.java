package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.contract.BudgetLedgerContract;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link BudgetLedgerContract} on H2 and on PostgreSQL, plus the expiry of orphaned holds. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcBudgetLedgerContractTest extends BudgetLedgerContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected BudgetStore newLedger(Clock clock, BudgetAlertListener listener) {
        return AiTenancyJdbc.create(databases.open(database), clock, true).budgetLedger(listener, Duration.ofMinutes(5));
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @Test
    void aReservationLeftByACrashedInstanceIsReleasedWhenItExpires() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1.00")));

        ledger.reserve(ACME, BOB, null, new BigDecimal("0.90")); // never settled: its instance "died"
        BudgetExceededException held = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, new BigDecimal("0.50")));
        clock.advance(Duration.ofMinutes(6));
        ledger.reserve(ACME, BOB, null, new BigDecimal("0.50")).settle(new BigDecimal("0.50"));

        assertThat(held).isNotNull();
    }
}
