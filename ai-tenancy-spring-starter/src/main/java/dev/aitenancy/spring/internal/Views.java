package dev.aitenancy.spring.internal;

import dev.aitenancy.Cost;
import dev.aitenancy.JobResult;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.keys.ProviderKeyStatus;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.Tier;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageTotals;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The JSON shapes of the admin endpoints, built field by field from the library's values so that
 * nothing reaches a response that was not chosen to (a key never is: only masked forms exist here).
 */
public final class Views {

    private Views() {
    }

    /** An ordered map from alternating names and values. */
    public static Map<String, Object> obj(Object... namesAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    static String str(Object o) {
        return o == null ? null : o.toString();
    }

    static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }

    public static Map<String, Object> usage(TokenUsage u) {
        return obj("inputTokens", u.inputTokens(), "outputTokens", u.outputTokens(),
                "cachedInputTokens", u.cachedInputTokens());
    }

    public static Map<String, Object> cost(Cost c) {
        return c == null || !c.isPriced() ? null : obj("amount", c.amount(), "currency", c.currency());
    }

    public static Map<String, Object> result(JobResult r) {
        return obj("text", r.text(), "provider", str(r.provider()), "model", r.model(), "usage", usage(r.usage()),
                "cost", cost(r.cost()), "billed", cost(r.billed()), "latencyMillis", millis(r.latency()),
                "correlationId", r.correlationId(), "finishReason", str(r.finishReason()),
                "usageRecordId", str(r.usageRecordId()));
    }

    public static Map<String, Object> keyStatus(ProviderKeyStatus s) {
        return obj("provider", s.provider().name(), "maskedKey", s.maskedKey(), "verified", s.verified(),
                "lastVerifiedAt", str(s.lastVerifiedAt()), "updatedAt", str(s.updatedAt()),
                "createdBy", s.createdBy(), "defaultModel", s.defaultModel());
    }

    public static Map<String, Object> model(OrgModel m) {
        return obj("provider", m.ref().provider().name(), "model", m.ref().model(), "label", m.label(),
                "maxOutputTokens", m.maxOutputTokens(), "default", m.isDefault());
    }

    /** The org's models grouped by provider, providers and models in name order. */
    public static Map<String, Object> modelsByProvider(List<OrgModel> models) {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (OrgModel m : models) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) out.computeIfAbsent(m.ref().provider().name(),
                    k -> new java.util.ArrayList<>());
            list.add(model(m));
        }
        return out;
    }

    public static Map<String, Object> record(UsageRecord r, boolean withTexts) {
        Map<String, Object> m = obj("id", str(r.id()), "orgId", r.orgId(), "userId", r.userId(),
                "groupId", r.groupId(), "provider", r.provider(), "model", r.model(), "feature", r.feature(), "tier", r.tier(),
                "status", r.status().wireName(), "usage", usage(r.usage()), "cost", cost(r.cost()),
                "billed", cost(r.billed()), "latencyMillis", millis(r.latency()), "correlationId", r.correlationId(),
                "errorCode", r.errorCode(), "errorMessage", r.errorMessage(), "guardrails", r.guardrails(), "startedAt", str(r.startedAt()),
                "finishedAt", str(r.finishedAt()));
        if (withTexts) {
            m.put("inputText", r.inputText());
            m.put("outputText", r.outputText());
        }
        return m;
    }

    public static Map<String, Object> totals(UsageTotals t) {
        return obj("requests", t.requests(), "inputTokens", t.inputTokens(), "outputTokens", t.outputTokens(),
                "averageLatencyMillis", t.averageLatencyMillis(), "costUsd", t.costUsd(),
                "unpricedRequests", t.unpricedRequests());
    }

    public static Map<String, Object> daily(DailySummary d) {
        return obj("day", str(d.day()), "provider", d.provider(), "model", d.model(), "userId", d.userId(),
                "requests", d.requests(), "errors", d.errors(), "inputTokens", d.inputTokens(),
                "outputTokens", d.outputTokens(), "costUsd", d.costUsd(), "billedUsd", d.billedUsd());
    }

    public static Map<String, Object> audit(AuditEvent e) {
        return obj("id", str(e.id()), "actor", e.actor(), "action", e.action(), "target", e.target(),
                "detail", e.detail(), "at", str(e.at()));
    }

    public static Map<String, Object> budget(Budget b) {
        return obj("scope", b.scope().name(), "subject", b.subject(), "period", b.period().name(),
                "limitUsd", b.limitUsd(), "hard", b.hard(), "alertThreshold", b.alertThreshold(),
                "zone", b.zone().getId(), "allowUnpriced", b.allowUnpriced(), "description", b.describe());
    }

    public static Map<String, Object> tier(Tier t) {
        return obj("name", t.name(), "models", t.models().stream().map(Objects::toString).sorted().toList(),
                "inputRatePer1M", t.inputRatePer1M(), "outputRatePer1M", t.outputRatePer1M());
    }

    public static Map<String, Object> template(StoredTemplate t) {
        return obj("name", t.name(), "version", t.version(), "text", t.text(), "createdBy", t.createdBy(),
                "createdAt", str(t.createdAt()));
    }

    public static Map<String, Object> policy(RateLimitPolicy p) {
        return obj("userRequestsPerMinute", p.userRequestsPerMinute(), "ipRequestsPerMinute", p.ipRequestsPerMinute(),
                "orgRequestsPerMinute", p.orgRequestsPerMinute(), "userTokensPerMinute", p.userTokensPerMinute(),
                "orgTokensPerMinute", p.orgTokensPerMinute(), "userRequestsPerDay", p.userRequestsPerDay(),
                "orgRequestsPerDay", p.orgRequestsPerDay(), "userKeyChecksPerMinute", p.userKeyChecksPerMinute());
    }

    static String instant(Instant i) {
        return str(i);
    }

    public static Map<String, Object> pricingLine(dev.aitenancy.usage.PricingLine l) {
        return obj("key", l.key(), "requests", l.requests(), "costUsd", l.costUsd(), "billedUsd", l.billedUsd(),
                "unpricedRequests", l.unpricedRequests(), "unbilledRequests", l.unbilledRequests());
    }

    public static Map<String, Object> pricing(dev.aitenancy.usage.PricingReport p) {
        return obj("from", str(p.from()), "to", str(p.to()), "zone", p.zone().getId(), "total", pricingLine(p.total()),
                "byTier", p.byTier().stream().map(Views::pricingLine).toList(),
                "byUser", p.byUser().stream().map(Views::pricingLine).toList(),
                "byModel", p.byModel().stream().map(Views::pricingLine).toList(),
                "byHour", p.byHour().stream().map(h -> obj("hour", h.hour(), "requests", h.requests())).toList(),
                "peakHours", p.peakHours(), "users", p.users(),
                "averageCostPerRequest", p.averageCostPerRequest(), "averageBilledPerRequest", p.averageBilledPerRequest(),
                "averageCostPerUser", p.averageCostPerUser(), "averageBilledPerUser", p.averageBilledPerUser(),
                "topUsers", p.topUsers().stream().map(Views::pricingLine).toList());
    }
}
