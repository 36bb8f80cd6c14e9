package dev.aitenancy.limits;

import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A spending limit in USD for one period.
 *
 * @param scope          what the budget covers: the whole org, a group, a user or a tier
 * @param subject        the group id, user id or tier name; null for {@link Scope#ORG}
 * @param period         daily, weekly (Monday to Sunday) or monthly, in {@code zone}
 * @param hard           true: a call that might exceed it is refused; false: it only warns
 * @param alertThreshold the share of the limit (0 to 1) at which the alert fires once per period
 * @param allowUnpriced  whether calls to a model without a price may go ahead under this budget
 *                       (they cost it nothing, since their cost is unknown). When false (the default)
 *                       a hard budget refuses them with {@code AI_BUDGET_UNPRICED_MODEL} and a soft one
 *                       lets them go ahead with a warning. A hard budget that is spent refuses them
 *                       either way.
 */
public record Budget(OrgId org, Scope scope, String subject, Period period, BigDecimal limitUsd, boolean hard,
        BigDecimal alertThreshold, ZoneId zone, boolean allowUnpriced) {

    /** What a budget covers. */
    public enum Scope {
        ORG, GROUP, USER, TIER
    }

    /** A budget's calendar period. */
    public enum Period {
        DAILY, WEEKLY, MONTHLY
    }

    public Budget {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(limitUsd, "limitUsd");
        Objects.requireNonNull(zone, "zone");
        if ((scope == Scope.ORG) != (subject == null)) {
            throw new IllegalArgumentException("an org budget has no subject; group, user and tier budgets need one");
        }
        if (limitUsd.signum() < 0) {
            throw new IllegalArgumentException("limitUsd must be >= 0");
        }
        alertThreshold = alertThreshold == null ? new BigDecimal("0.8") : alertThreshold;
    }

    /** A budget that does not allow unpriced models (see {@link #allowUnpriced()}). */
    public Budget(OrgId org, Scope scope, String subject, Period period, BigDecimal limitUsd, boolean hard,
            BigDecimal alertThreshold, ZoneId zone) {
        this(org, scope, subject, period, limitUsd, hard, alertThreshold, zone, false);
    }

    /** A hard budget with the default 80% alert, in UTC. */
    public static Budget hard(OrgId org, Scope scope, String subject, Period period, BigDecimal limitUsd) {
        return new Budget(org, scope, subject, period, limitUsd, true, null, ZoneId.of("UTC"));
    }

    /** This budget, allowing or not calls to models without a price (see {@link #allowUnpriced()}). */
    public Budget withAllowUnpriced(boolean allow) {
        return new Budget(org, scope, subject, period, limitUsd, hard, alertThreshold, zone, allow);
    }

    /** A name for messages, e.g. {@code user alice monthly budget of 20 USD}. */
    public String describe() {
        return (scope == Scope.ORG ? "org" : scope.name().toLowerCase(java.util.Locale.ROOT) + " " + subject) + " "
                + period.name().toLowerCase(java.util.Locale.ROOT) + " budget of "
                + limitUsd.stripTrailingZeros().toPlainString() + " USD";
    }
}
