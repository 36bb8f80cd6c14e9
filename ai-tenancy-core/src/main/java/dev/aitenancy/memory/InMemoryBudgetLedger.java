package dev.aitenancy.memory;

import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Budgets and their spend in this JVM's memory. Reservations and settlements happen under one
 * lock, so a hard budget is never overspent by more than what was reserved for calls in flight.
 */
public final class InMemoryBudgetLedger implements BudgetStore {

    private static final class Usage {
        BigDecimal spent = BigDecimal.ZERO;
        BigDecimal reserved = BigDecimal.ZERO;
        boolean alerted;
    }

    private record Held(Budget budget, String period, Usage usage) {
    }

    private final Clock clock;
    private final BudgetAlertListener listener;
    private final Map<OrgId, Map<String, Budget>> budgets = new HashMap<>();
    private final Map<String, Usage> usage = new HashMap<>();

    public InMemoryBudgetLedger(Clock clock, BudgetAlertListener listener) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public synchronized void setBudget(Budget b) {
        budgets.computeIfAbsent(b.org(), o -> new HashMap<>()).put(BudgetPeriods.budgetKey(b), b);
    }

    @Override
    public synchronized boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period) {
        Map<String, Budget> ofOrg = budgets.get(org);
        return ofOrg != null && ofOrg.remove(BudgetPeriods.budgetKey(scope, subject, period)) != null;
    }

    @Override
    public synchronized List<Budget> budgets(OrgId org) {
        return List.copyOf(budgets.getOrDefault(org, Map.of()).values());
    }

    /** What the org has spent against a budget in its current period. */
    public synchronized BigDecimal spent(Budget b) {
        Usage u = usage.get(key(b, BudgetPeriods.periodKey(b, clock.instant())));
        return u == null ? BigDecimal.ZERO : u.spent;
    }

    @Override
    public BudgetReservation reserve(OrgId org, Caller caller, String tier, BigDecimal worstCaseOrUnpriced) {
        // a call that cannot be priced holds nothing (and adds nothing when settled with an unknown cost)
        BigDecimal worstCase = worstCaseOrUnpriced == null ? BigDecimal.ZERO : worstCaseOrUnpriced;
        List<Held> held = new ArrayList<>();
        List<Budget> overrun = new ArrayList<>();
        synchronized (this) {
            List<Budget> applying = BudgetPeriods.applying(List.copyOf(budgets.getOrDefault(org, Map.of()).values()),
                    caller, tier);
            if (applying.isEmpty()) {
                return BudgetReservation.NONE;
            }
            for (Budget b : applying) {
                String period = BudgetPeriods.periodKey(b, clock.instant());
                Usage u = usage.computeIfAbsent(key(b, period), k -> new Usage());
                if (!BudgetPeriods.admit(org, b, u.spent.add(u.reserved), worstCaseOrUnpriced)) {
                    overrun.add(b);
                }
                held.add(new Held(b, period, u));
            }
            held.forEach(h -> h.usage().reserved = h.usage().reserved.add(worstCase));
        }
        AtomicBoolean settled = new AtomicBoolean();
        return BudgetReservation.of(actual -> {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            List<Held> crossed = new ArrayList<>();
            synchronized (this) {
                for (Held h : held) {
                    h.usage().reserved = h.usage().reserved.subtract(worstCase);
                    h.usage().spent = h.usage().spent.add(actual == null ? worstCase : actual);
                    if (!h.usage().alerted && h.usage().spent.compareTo(
                            h.budget().limitUsd().multiply(h.budget().alertThreshold())) >= 0) {
                        h.usage().alerted = true;
                        crossed.add(h);
                    }
                }
            }
            crossed.forEach(h -> listener.thresholdCrossed(h.budget(), h.period(), h.usage().spent.stripTrailingZeros()));
        }, overrun);
    }

    private static String key(Budget b, String period) {
        return b.org().value() + "|" + BudgetPeriods.budgetKey(b) + "|" + period;
    }
}
