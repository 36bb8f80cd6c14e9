package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetSpend;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.Tier;
import dev.aitenancy.template.StoredTemplate;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The bodies of an org's feature flags, tiers, budgets, templates, rate limits and stored usage
 * text. Request fields they do not have are ignored. {@code GET /features} answers a JSON object of
 * feature name to {@code true|false} (the features switched explicitly, in name order).
 */
public final class GovernanceWire {

    private GovernanceWire() {
    }

    /** {@code {"enabled": true|false}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FeatureSwitchRequest(Boolean enabled) {
    }

    /** {@code PUT /features/{feature}}. */
    public record FeatureView(String feature, boolean enabled) {
    }

    /** {@code {"tiers": ["basic", "standard"]}}, duplicates dropped; {@code null} removes a group's or user's narrowing. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TiersRequest(@JsonSetter(contentNulls = Nulls.FAIL) List<String> tiers) {

        /** The tiers in the order given, each once; null when the request has none. */
        public Set<String> tierSet() {
            return tiers == null ? null : new LinkedHashSet<>(tiers);
        }
    }

    /** A tier of the application's plan: its models ({@code provider/model}, in name order) and rates. */
    public record TierView(String name, List<String> models, BigDecimal inputRatePer1M, BigDecimal outputRatePer1M) {

        public static TierView of(Tier t) {
            return new TierView(t.name(), t.models().stream().map(Objects::toString).sorted().toList(),
                    t.inputRatePer1M(), t.outputRatePer1M());
        }
    }

    /** {@code PUT /tiers}: the org's tiers. */
    public record OrgTiersView(Set<String> tiers) {
    }

    /** {@code PUT /tiers/groups/{group}}; {@code tiers} null when the narrowing was removed. */
    public record GroupTiersView(String group, Set<String> tiers) {
    }

    /** {@code PUT /tiers/users/{user}}; {@code tiers} null when the narrowing was removed. */
    public record UserTiersView(String user, Set<String> tiers) {
    }

    /**
     * Adds or replaces a budget: {@code scope} org|group|user|tier and {@code period}
     * daily|weekly|monthly in any case, {@code subject} for all but org budgets, {@code limitUsd} and
     * {@code alertThreshold} numbers (or strings holding one), {@code hard} (default true),
     * {@code zone} (default UTC), {@code allowUnpriced} (default false).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BudgetRequest(String scope, String subject, String period, BigDecimal limitUsd, Boolean hard,
            BigDecimal alertThreshold, String zone, Boolean allowUnpriced) {
    }

    /** A budget; {@code scope} and {@code period} in upper case, {@code description} as the audit log says it. */
    public record BudgetView(String scope, String subject, String period, BigDecimal limitUsd, boolean hard,
            BigDecimal alertThreshold, String zone, boolean allowUnpriced, String description,
            String periodStart, BigDecimal spentUsd, BigDecimal reservedUsd) {

        /** The budget with what is spent and reserved under it in its current period. */
        public static BudgetView of(Budget b, BudgetSpend spend) {
            return new BudgetView(b.scope().name(), b.subject(), b.period().name(), b.limitUsd(), b.hard(),
                    b.alertThreshold(), b.zone().getId(), b.allowUnpriced(), b.describe(),
                    spend.periodStart().toString(), spend.spentUsd(), spend.reservedUsd());
        }
    }

    /** {@code DELETE /budgets}. */
    public record BudgetRemovedView(boolean removed) {
    }

    /** A new version of a template: {@code {"text": "Summarize {{topic}}"}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TemplateRequest(String text) {
    }

    /** One version of a stored template. */
    public record TemplateView(String name, int version, String text, String createdBy, String createdAt) {

        public static TemplateView of(StoredTemplate t) {
            return new TemplateView(t.name(), t.version(), t.text(), t.createdBy(), WireJson.string(t.createdAt()));
        }
    }

    /** The org's own rate limits; a field left out keeps its current value (0 = no limit). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RateLimitsRequest(Integer userRequestsPerMinute, Integer ipRequestsPerMinute,
            Integer orgRequestsPerMinute, Long userTokensPerMinute, Long orgTokensPerMinute, Integer userRequestsPerDay,
            Integer orgRequestsPerDay, Integer userKeyChecksPerMinute) {

        /** {@code current} with the fields this request gives. */
        public RateLimitPolicy over(RateLimitPolicy current) {
            return new RateLimitPolicy(
                    or(userRequestsPerMinute, current.userRequestsPerMinute()),
                    or(ipRequestsPerMinute, current.ipRequestsPerMinute()),
                    or(orgRequestsPerMinute, current.orgRequestsPerMinute()),
                    or(userTokensPerMinute, current.userTokensPerMinute()),
                    or(orgTokensPerMinute, current.orgTokensPerMinute()),
                    or(userRequestsPerDay, current.userRequestsPerDay()),
                    or(orgRequestsPerDay, current.orgRequestsPerDay()),
                    or(userKeyChecksPerMinute, current.userKeyChecksPerMinute()));
        }

        private static <T> T or(T given, T current) {
            return given != null ? given : current;
        }
    }

    /** The org's rate limits (0 = no limit). */
    public record RateLimitsView(int userRequestsPerMinute, int ipRequestsPerMinute, int orgRequestsPerMinute,
            long userTokensPerMinute, long orgTokensPerMinute, int userRequestsPerDay, int orgRequestsPerDay,
            int userKeyChecksPerMinute) {

        public static RateLimitsView of(RateLimitPolicy p) {
            return new RateLimitsView(p.userRequestsPerMinute(), p.ipRequestsPerMinute(), p.orgRequestsPerMinute(),
                    p.userTokensPerMinute(), p.orgTokensPerMinute(), p.userRequestsPerDay(), p.orgRequestsPerDay(),
                    p.userKeyChecksPerMinute());
        }
    }

    /** Whether the org's usage records keep prompt and answer text: {@code {"storeText": false}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record UsageTextRequest(Boolean storeText) {
    }

    /** The org's stored-text setting. */
    public record UsageTextView(boolean storeText) {
    }
}
