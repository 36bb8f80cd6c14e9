package dev.aitenancy.spi;

import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimitRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one call counts against one limit: {@code amount} in the counter {@code (org, scope,
 * subject, window)}, which may hold at most {@code limit}. Shared by every rate limiter so they
 * all apply the same rules; charges are sorted so limiters lock counters in one order.
 *
 * @param window   the window's index: minutes since the epoch, or days for {@code -day} scopes
 * @param resetsIn time from now until the window ends
 */
public record Charge(String org, String scope, String subject, long window, long amount, long limit,
        Duration resetsIn) {

    private static final Comparator<Charge> LOCKING_ORDER = Comparator.comparing(Charge::scope)
            .thenComparing(Charge::subject);

    /** Whether this charge counts tokens (and is corrected after the call). */
    public boolean isTokens() {
        return scope.endsWith("-tokens");
    }

    /** Whether this charge's window is a UTC day rather than a minute. */
    public boolean isDaily() {
        return scope.endsWith("-day");
    }

    /** How a refusal names this limit, e.g. {@code user alice: 30 requests/minute}. */
    public String describe() {
        String who = scope.startsWith("org") ? "org" : scope.substring(0, scope.indexOf('-') < 0 ? scope.length()
                : scope.indexOf('-')) + " " + subject;
        String unit = isTokens() ? " tokens/minute" : isDaily() ? " requests/day"
                : scope.endsWith("-keycheck") ? " key checks/minute" : " requests/minute";
        return who + ": " + limit + unit;
    }

    /** The charges of one call under a policy at {@code nowMillis}, in locking order. */
    public static List<Charge> of(RateLimitRequest r, RateLimitPolicy p, long nowMillis) {
        String org = r.org().value();
        long minute = Math.floorDiv(nowMillis, 60_000L);
        long day = Math.floorDiv(nowMillis, 86_400_000L);
        Duration toMinute = Duration.ofMillis((minute + 1) * 60_000L - nowMillis);
        Duration toDay = Duration.ofMillis((day + 1) * 86_400_000L - nowMillis);
        long tokens = Math.max(0, r.estimatedTokens());
        List<Charge> charges = new ArrayList<>(7);
        if (r.keyCheck()) {
            add(charges, org, "user-keycheck", r.userId(), minute, 1, p.userKeyChecksPerMinute(), toMinute);
            return charges;
        }
        int cap = r.userRequestsPerMinuteCap();
        int perUser = cap > 0 && (p.userRequestsPerMinute() == 0 || cap < p.userRequestsPerMinute()) ? cap
                : p.userRequestsPerMinute();
        add(charges, org, "user", r.userId(), minute, 1, perUser, toMinute);
        add(charges, org, "ip", r.ip(), minute, 1, p.ipRequestsPerMinute(), toMinute);
        add(charges, org, "org", org, minute, 1, p.orgRequestsPerMinute(), toMinute);
        add(charges, org, "user-tokens", r.userId(), minute, tokens, p.userTokensPerMinute(), toMinute);
        add(charges, org, "org-tokens", org, minute, tokens, p.orgTokensPerMinute(), toMinute);
        add(charges, org, "user-day", r.userId(), day, 1, p.userRequestsPerDay(), toDay);
        add(charges, org, "org-day", org, day, 1, p.orgRequestsPerDay(), toDay);
        charges.sort(LOCKING_ORDER);
        return charges;
    }

    private static void add(List<Charge> charges, String org, String scope, String subject, long window, long amount,
            long limit, Duration resetsIn) {
        if (limit > 0 && subject != null) {
            charges.add(new Charge(org, scope, subject, window, amount, limit, resetsIn));
        }
    }
}
