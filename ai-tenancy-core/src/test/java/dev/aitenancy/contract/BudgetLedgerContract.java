package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.BudgetExceededException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.Budget.Period;
import dev.aitenancy.limits.Budget.Scope;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.BudgetSpend;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What every budget ledger must do: reserve the worst case, settle the actual, never overspend. */
public abstract class BudgetLedgerContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final Caller ALICE = Caller.user("alice").withGroups(Set.of("support"));
    protected static final Caller BOB = Caller.user("bob");

    protected final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
    protected final List<String> alerts = new CopyOnWriteArrayList<>();

    protected abstract BudgetStore newLedger(Clock clock, BudgetAlertListener listener);

    protected BudgetStore newLedger() {
        return newLedger(clock, (b, period, spent) -> alerts.add(b.describe() + " " + period + " " + spent));
    }

    static BigDecimal usd(String v) {
        return new BigDecimal(v);
    }

    @Test
    void aHardBudgetRefusesACallThatMightNotFitAndNamesTheBudget() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(Budget.hard(ACME, Scope.USER, "alice", Period.MONTHLY, usd("1.00")));

        ledger.reserve(ACME, ALICE, null, usd("0.60")).settle(usd("0.70"));
        BudgetExceededException e = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, ALICE, null, usd("0.40")));
        ledger.reserve(ACME, BOB, null, usd("5.00")).settle(usd("5.00"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_BUDGET_EXCEEDED);
        assertThat(e.getMessage()).contains("user alice monthly budget of 1 USD").contains("0.3 USD left")
                .contains("0.4 USD");
        assertThat(ledger.budgets(ACME)).hasSize(1);
    }

    @Test
    void spendShowsWhatIsSpentAndReservedInTheCurrentPeriodAndNothingInAnother() {
        BudgetStore ledger = newLedger();
        Budget daily = Budget.hard(ACME, Scope.ORG, null, Period.DAILY, usd("10"));
        Budget alices = Budget.hard(ACME, Scope.USER, "alice", Period.MONTHLY, usd("5"));
        ledger.setBudget(daily);
        ledger.setBudget(alices);
        assertThat(ledger.spend(daily, clock.instant())).isEqualTo(BudgetSpend.none(LocalDate.parse("2026-11-24")));

        ledger.reserve(ACME, ALICE, null, usd("0.75")).settle(usd("0.25"));
        BudgetReservation running = ledger.reserve(ACME, BOB, null, usd("1.5"));

        assertThat(ledger.spend(daily, clock.instant()))
                .isEqualTo(new BudgetSpend(LocalDate.parse("2026-11-24"), usd("0.25"), usd("1.5")));
        assertThat(ledger.spend(alices, clock.instant()))
                .isEqualTo(new BudgetSpend(LocalDate.parse("2026-11-01"), usd("0.25"), BigDecimal.ZERO));
        running.settle(usd("1"));
        assertThat(ledger.spend(daily, clock.instant()))
                .isEqualTo(new BudgetSpend(LocalDate.parse("2026-11-24"), usd("1.25"), BigDecimal.ZERO));
        assertThat(ledger.spend(daily, clock.instant().plus(java.time.Duration.ofDays(1))))
                .isEqualTo(BudgetSpend.none(LocalDate.parse("2026-11-25")));
    }

    @Test
    void aSettledCallReleasesWhatItDidNotUseAndUnknownCostsKeepTheReservation() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(Budget.hard(ACME, Scope.ORG, null, Period.DAILY, usd("1.00")));

        BudgetReservation big = ledger.reserve(ACME, BOB, null, usd("0.90"));
        BudgetExceededException whileHeld = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, usd("0.20")));
        big.settle(usd("0.10"));
        big.settle(usd("0.90")); // idempotent
        ledger.reserve(ACME, BOB, null, usd("0.50")).settle(null); // unknown: 0.50 counts as spent
        BudgetExceededException full = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, usd("0.45")));
        ledger.reserve(ACME, BOB, null, usd("0.40")).settle(usd("0.40"));

        assertThat(whileHeld).isNotNull();
        assertThat(full.getMessage()).contains("0.4 USD left");
    }

    @Test
    void groupTierAndSoftBudgetsApplyAsTheySay() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(Budget.hard(ACME, Scope.GROUP, "support", Period.WEEKLY, usd("1.00")));
        ledger.setBudget(Budget.hard(ACME, Scope.TIER, "premium", Period.MONTHLY, usd("2.00")));
        ledger.setBudget(new Budget(ACME, Scope.USER, "bob", Period.DAILY, usd("0.10"), false, null,
                ZoneId.of("UTC")));

        ledger.reserve(ACME, ALICE, null, usd("1.00")).settle(usd("1.00"));
        BudgetExceededException group = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, ALICE, null, usd("0.01")));
        ledger.reserve(ACME, BOB, "premium", usd("1.50")).settle(usd("1.50"));
        BudgetExceededException tier = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, "premium", usd("0.60")));
        BudgetReservation soft = ledger.reserve(ACME, BOB, "basic", usd("0.60")); // bob's soft budget only warns
        soft.settle(usd("0.60"));
        BudgetReservation within = ledger.reserve(ACME, ALICE, "basic", usd("0"));

        assertThat(group.getMessage()).contains("group support weekly budget");
        assertThat(tier.getMessage()).contains("tier premium monthly budget");
        assertThat(soft.softBudgetsOverrun()).extracting(Budget::describe).containsExactly("user bob daily budget of 0.1 USD");
        assertThat(within.softBudgetsOverrun()).isEmpty();
    }

    @Test
    void aHardBudgetRefusesAnUnpricedCallWithItsOwnCodeAndHoldsNothing() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(Budget.hard(ACME, Scope.ORG, null, Period.MONTHLY, usd("100")));
        ledger.setBudget(Budget.hard(ACME, Scope.USER, "alice", Period.DAILY, usd("1.00")).withAllowUnpriced(true));

        BudgetExceededException e = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, ALICE, null, null));
        BudgetReservation afterRefusal = ledger.reserve(ACME, ALICE, null, usd("1.00"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_BUDGET_UNPRICED_MODEL);
        assertThat(e.retryable()).isFalse();
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(e.getMessage()).contains("has no price").contains("hard org monthly budget of 100 USD of org acme")
                .contains("give the model a price").contains("allow unpriced models under this budget");
        assertThat(afterRefusal.softBudgetsOverrun()).as("a priced call still fits: alice's whole 1 USD is there")
                .isEmpty();
    }

    @Test
    void aHardBudgetThatAllowsUnpricedModelsAdmitsThemUncountedUntilItIsSpent() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(Budget.hard(ACME, Scope.ORG, null, Period.MONTHLY, usd("1.00")).withAllowUnpriced(true));

        BudgetReservation unpriced = ledger.reserve(ACME, BOB, null, null);
        unpriced.settle(null); // cost unknown: nothing was held, nothing is added
        ledger.reserve(ACME, BOB, null, usd("1.00")).settle(usd("1.00")); // so the whole budget is still there
        BudgetExceededException spent = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, null));

        assertThat(unpriced.softBudgetsOverrun()).isEmpty();
        assertThat(ledger.budgets(ACME)).extracting(Budget::allowUnpriced).containsExactly(true);
        assertThat(spent.code()).as("a spent hard budget refuses unpriced calls too").isEqualTo(ErrorCode.AI_BUDGET_EXCEEDED);
        assertThat(spent.getMessage()).contains("org monthly budget of 1 USD of org acme is spent")
                .contains("raise the budget");
    }

    @Test
    void softBudgetsLetAnUnpricedCallGoAheadAndReportThoseThatCannotCountIt() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(new Budget(ACME, Scope.ORG, null, Period.MONTHLY, usd("5.00"), false, null, ZoneId.of("UTC")));
        ledger.setBudget(new Budget(ACME, Scope.GROUP, "support", Period.WEEKLY, usd("1.00"), false, null,
                ZoneId.of("UTC")).withAllowUnpriced(true));

        BudgetReservation unpriced = ledger.reserve(ACME, ALICE, null, null);
        unpriced.settle(null);
        BudgetReservation priced = ledger.reserve(ACME, ALICE, null, usd("1.00"));

        assertThat(unpriced.softBudgetsOverrun()).extracting(Budget::describe)
                .containsExactly("org monthly budget of 5 USD");
        assertThat(priced.softBudgetsOverrun()).as("the unpriced call added nothing to either budget").isEmpty();
        assertThat(ledger.budgets(ACME)).extracting(Budget::scope, Budget::allowUnpriced)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(Scope.ORG, false),
                        org.assertj.core.groups.Tuple.tuple(Scope.GROUP, true));
    }

    @Test
    void allowingUnpricedModelsCanBeSwitchedOffAgain() {
        BudgetStore ledger = newLedger();
        Budget budget = Budget.hard(ACME, Scope.USER, "bob", Period.DAILY, usd("2.00"));
        ledger.setBudget(budget.withAllowUnpriced(true));
        ledger.reserve(ACME, BOB, null, null).settle(null);

        ledger.setBudget(budget);
        BudgetExceededException e = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, null));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_BUDGET_UNPRICED_MODEL);
        assertThat(e.getMessage()).contains("user bob daily budget of 2 USD");
        assertThat(ledger.budgets(ACME)).extracting(Budget::allowUnpriced).containsExactly(false);
    }

    @Test
    void aNewPeriodStartsFreshInTheBudgetsTimeZoneAndAlertsOncePerPeriod() {
        BudgetStore ledger = newLedger();
        ledger.setBudget(new Budget(ACME, Scope.ORG, null, Period.MONTHLY, usd("1.00"), true, usd("0.8"),
                ZoneId.of("Pacific/Auckland")));
        clock.set(Instant.parse("2026-11-30T12:00:00Z")); // already December 1st, 01:00, in Auckland

        ledger.reserve(ACME, BOB, null, usd("0.85")).settle(usd("0.85"));
        ledger.reserve(ACME, BOB, null, usd("0.10")).settle(usd("0.10"));
        BudgetExceededException full = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, usd("0.10")));
        clock.set(Instant.parse("2026-12-31T12:00:00Z")); // January 1st in Auckland
        ledger.reserve(ACME, BOB, null, usd("0.90")).settle(usd("0.90"));

        assertThat(full).isNotNull();
        assertThat(alerts).containsExactly("org monthly budget of 1 USD M2026-12-01 0.85",
                "org monthly budget of 1 USD M2027-01-01 0.9");
    }

    @Test
    void aRemovedBudgetNoLongerLimitsAndWhatWasSpentUnderItStaysWithItsPeriod() {
        BudgetStore ledger = newLedger();
        Budget tight = Budget.hard(ACME, Scope.USER, "bob", Period.DAILY, usd("1.00"));
        ledger.setBudget(tight);
        ledger.setBudget(Budget.hard(ACME, Scope.ORG, null, Period.MONTHLY, usd("100")));
        ledger.reserve(ACME, BOB, null, usd("0.80")).settle(usd("0.80"));

        boolean removed = ledger.removeBudget(ACME, Scope.USER, "bob", Period.DAILY);
        boolean again = ledger.removeBudget(ACME, Scope.USER, "bob", Period.DAILY);
        ledger.reserve(ACME, BOB, null, usd("5.00")).settle(usd("0.10"));
        ledger.setBudget(tight);
        BudgetExceededException back = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, usd("0.50")));

        assertThat(removed).isTrue();
        assertThat(again).isFalse();
        assertThat(ledger.budgets(ACME)).hasSize(2);
        assertThat(back.getMessage()).as("the 0.80 spent under the budget counts again; the 0.10 spent without it not")
                .contains("has 0.2 USD left");
    }

    @Test
    void concurrentCallsCrossingTheThresholdAlertExactlyOnce() throws Exception {
        BudgetStore ledger = newLedger(Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneId.of("UTC")),
                (b, period, spent) -> alerts.add(b.describe() + " " + period));
        ledger.setBudget(new Budget(ACME, Scope.ORG, null, Period.DAILY, usd("100"), false, usd("0.5"),
                ZoneId.of("UTC")));

        Concurrently.run(8, t -> {
            for (int i = 0; i < 10; i++) {
                ledger.reserve(ACME, BOB, null, usd("1")).settle(usd("1"));
            }
        });

        // 80 USD spent of a soft 100 USD budget: the 50% threshold was crossed once, by one settlement
        assertThat(alerts).containsExactly("org daily budget of 100 USD D2026-11-24");
    }

    @Test
    void manyConcurrentCallsNeverSpendBeyondTheBudget() throws Exception {
        BudgetStore ledger = newLedger(Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneId.of("UTC")),
                BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(ACME, Scope.ORG, null, Period.MONTHLY, usd("10.00")));
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();

        Concurrently.run(8, t -> {
            for (int i = 0; i < 5; i++) {
                try {
                    BudgetReservation r = ledger.reserve(ACME, BOB, null, usd("1.00"));
                    admitted.incrementAndGet();
                    r.settle(usd("0.50"));
                } catch (BudgetExceededException e) {
                    refused.incrementAndGet();
                }
            }
        });

        // every admitted call spent 0.50 of a 1.00 reservation: at most 20 fit, and none beyond
        assertThat(admitted.get()).isBetween(10, 20);
        assertThat(admitted.get() + refused.get()).isEqualTo(40);
        BudgetExceededException after = catchThrowableOfType(BudgetExceededException.class,
                () -> ledger.reserve(ACME, BOB, null, usd("10.00").subtract(usd("0.50").multiply(
                        BigDecimal.valueOf(admitted.get()))).add(usd("0.01"))));
        assertThat(after).as("exactly %s × 0.50 was spent", admitted.get()).isNotNull();
        ledger.reserve(ACME, BOB, null, usd("10.00").subtract(usd("0.50").multiply(BigDecimal.valueOf(admitted.get()))));
    }
}
