package dev.aitenancy.memory;

import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetSpend;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

    /** A budget as the ledger holds it, with its current period and that period's usage remembered. */
    private final class Slot {
        final Budget budget;
        final String id;
        String period;
        long periodEndsAt;
        Usage usage;

        Slot(Budget budget) {
            this.budget = budget;
            this.id = budget.org().value() + "|" + BudgetPeriods.budgetKey(budget);
        }

        /** The usage of the period {@code now} falls in; looked up again only when a period ends. */
        Usage usage(Instant now) {
            if (usage == null || now.toEpochMilli() >= periodEndsAt) {
                period = BudgetPeriods.periodKey(budget, now);
                periodEndsAt = BudgetPeriods.periodEnd(budget, now).toEpochMilli();
                usage = InMemoryBudgetLedger.this.usage.computeIfAbsent(id + "|" + period, k -> new Usage());
            }
            return usage;
        }

        boolean applies(Caller caller, String tier) {
            return switch (budget.scope()) {
                case ORG -> true;
                case USER -> budget.subject().equals(caller.userId());
                case GROUP -> caller.groupIds().contains(budget.subject());
                case TIER -> budget.subject().equals(tier);
            };
        }
    }

    private record Held(Budget budget, String period, Usage usage) {
    }

    private final Clock clock;
    private final BudgetAlertListener listener;
    private final Map<OrgId, Map<String, Slot>> budgets = new HashMap<>();
    private final Map<String, Usage> usage = new HashMap<>();

    public InMemoryBudgetLedger(Clock clock, BudgetAlertListener listener) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public synchronized BudgetSpend spend(Budget b, Instant at) {
        Usage u = usage.get(b.org().value() + "|" + BudgetPeriods.budgetKey(b) + "|" + BudgetPeriods.periodKey(b, at));
        LocalDate start = BudgetPeriods.periodStart(b, at);
        return u == null ? BudgetSpend.none(start) : new BudgetSpend(start, u.spent, u.reserved);
    }

    @Override
    public synchronized void setBudget(Budget b) {
        budgets.computeIfAbsent(b.org(), o -> new LinkedHashMap<>()).put(BudgetPeriods.budgetKey(b), new Slot(b));
    }

    @Override
    public synchronized boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period) {
        Map<String, Slot> ofOrg = budgets.get(org);
        return ofOrg != null && ofOrg.remove(BudgetPeriods.budgetKey(scope, subject, period)) != null;
    }

    @Override
    public synchronized List<Budget> budgets(OrgId org) {
        return budgets.getOrDefault(org, Map.of()).values().stream().map(slot -> slot.budget).toList();
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
        List<Held> held = null;
        List<Budget> overrun = null;
        synchronized (this) {
            Map<String, Slot> ofOrg = budgets.get(org);
            if (ofOrg == null || ofOrg.isEmpty()) {
                return BudgetReservation.NONE;
            }
            Instant now = clock.instant();
            for (Slot slot : ofOrg.values()) {
                if (!slot.applies(caller, tier)) {
                    continue;
                }
                Usage u = slot.usage(now);
                if (!BudgetPeriods.admit(org, slot.budget, u.spent.add(u.reserved), worstCaseOrUnpriced)) {
                    overrun = overrun == null ? new ArrayList<>() : overrun;
                    overrun.add(slot.budget);
                }
                held = held == null ? new ArrayList<>(4) : held;
                held.add(new Held(slot.budget, slot.period, u));
            }
            if (held == null) {
                return BudgetReservation.NONE;
            }
            held.forEach(h -> h.usage().reserved = h.usage().reserved.add(worstCase));
        }
        List<Held> holding = held;
        AtomicBoolean settled = new AtomicBoolean();
        return BudgetReservation.of(actual -> {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            List<Held> crossed = new ArrayList<>();
            synchronized (this) {
                for (Held h : holding) {
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
        }, overrun == null ? List.of() : overrun);
    }

    private static String key(Budget b, String period) {
        return b.org().value() + "|" + BudgetPeriods.budgetKey(b) + "|" + period;
    }
}
