package dev.aitenancy.admin;

import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.preferences.AiPreferences;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** The targets and details {@link OrgAdmin} writes into audit events, in one place. */
final class AuditDetails {

    private AuditDetails() {
    }

    /** A budget's target, e.g. {@code org monthly} or {@code user alice daily}. */
    static String budget(Budget.Scope scope, String subject, Budget.Period period) {
        return (scope == Budget.Scope.ORG ? "org" : lower(scope.name()) + " " + subject) + " " + lower(period.name());
    }

    /** A budget's limit, kind, alert threshold, zone and whether unpriced models are allowed. */
    static String budget(Budget b) {
        return b.limitUsd().stripTrailingZeros().toPlainString() + " USD, " + (b.hard() ? "hard" : "soft")
                + ", alert at " + b.alertThreshold().stripTrailingZeros().toPlainString() + ", " + b.zone().getId()
                + (b.allowUnpriced() ? ", unpriced models allowed" : "");
    }

    static String rateLimits(RateLimitPolicy p) {
        return "per minute: user " + p.userRequestsPerMinute() + ", ip " + p.ipRequestsPerMinute() + ", org "
                + p.orgRequestsPerMinute() + "; tokens per minute: user " + p.userTokensPerMinute() + ", org "
                + p.orgTokensPerMinute() + "; per day: user " + p.userRequestsPerDay() + ", org "
                + p.orgRequestsPerDay() + "; key checks per minute " + p.userKeyChecksPerMinute();
    }

    static String guardrail(Guardrail g) {
        return lower(g.level().name()) + (g.subject() == null ? "" : " " + g.subject()) + " '" + g.name() + "': "
                + g.rule().kind() + " " + g.action().wireName() + (g.enabled() ? "" : " (disabled)");
    }

    /** What org preferences set, e.g. {@code tone 'formal'; max answer tokens 300; model openai/gpt-4.1-mini}. */
    static String preferences(AiPreferences p) {
        if (p.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>(3);
        if (p.tone() != null) {
            String tone = p.tone().replace('\n', ' ');
            parts.add("tone '" + (tone.length() > 200 ? tone.substring(0, 200) + "…" : tone) + "'");
        }
        if (p.maxAnswerTokens() != null) {
            parts.add("max answer tokens " + p.maxAnswerTokens());
        }
        if (p.model() != null) {
            parts.add("model " + p.model());
        }
        return String.join("; ", parts);
    }

    static String tiers(Set<String> tiers) {
        return tiers == null ? "narrowing removed" : tiers.isEmpty() ? "none" : String.join(",", new TreeSet<>(tiers));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
