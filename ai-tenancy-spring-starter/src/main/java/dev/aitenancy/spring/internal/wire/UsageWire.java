package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.aitenancy.spring.internal.wire.GenerateWire.CostView;
import dev.aitenancy.spring.internal.wire.GenerateWire.TokenUsageView;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditPage;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.PricingLine;
import dev.aitenancy.usage.PricingReport;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageTotals;
import java.math.BigDecimal;
import java.util.List;

/**
 * The bodies of an org's usage, pricing and audit log ({@code /usage…}, {@code /my/usage…},
 * {@code /audit}). These endpoints read query parameters only. A record's texts are redacted when
 * stored, and shown only when one record is asked for by id.
 */
public final class UsageWire {

    private UsageWire() {
    }

    /** A usage record without its texts, as pages list them. */
    public record UsageRecordView(String id, String orgId, String userId, String groupId, String provider, String model,
            String feature, String tier, String status, TokenUsageView usage, CostView cost, CostView billed,
            Long latencyMillis, String correlationId, String errorCode, String errorMessage, String guardrails,
            String toolCalls, String operation, String preferences, String responseModel, String startedAt,
            String finishedAt) {

        public static UsageRecordView of(UsageRecord r) {
            return new UsageRecordView(WireJson.string(r.id()), r.orgId(), r.userId(), r.groupId(), r.provider(),
                    r.model(), r.feature(), r.tier(), r.status().wireName(), TokenUsageView.of(r.usage()),
                    CostView.of(r.cost()), CostView.of(r.billed()), WireJson.millis(r.latency()), r.correlationId(),
                    r.errorCode(), r.errorMessage(), r.guardrails(), r.toolCalls(), r.operation(), r.preferences(), r.responseModel(),
                    WireJson.string(r.startedAt()),
                    WireJson.string(r.finishedAt()));
        }
    }

    /** One usage record with its (redacted) texts: the fields of {@link UsageRecordView}, then the texts. */
    public record UsageRecordDetailView(@JsonUnwrapped UsageRecordView record, String inputText, String outputText) {

        public static UsageRecordDetailView of(UsageRecord r) {
            return new UsageRecordDetailView(UsageRecordView.of(r), r.inputText(), r.outputText());
        }
    }

    /** A page of records, newest first; {@code nextCursor} null on the last page. */
    public record UsagePageView(List<UsageRecordView> records, String nextCursor) {

        public static UsagePageView of(UsagePage page) {
            return new UsagePageView(page.records().stream().map(UsageRecordView::of).toList(), page.nextCursor());
        }
    }

    /** Sums over the matching records; {@code averageLatencyMillis} null when none has a latency. */
    public record UsageTotalsView(long requests, long inputTokens, long outputTokens, Double averageLatencyMillis,
            BigDecimal costUsd, long unpricedRequests) {

        public static UsageTotalsView of(UsageTotals t) {
            return new UsageTotalsView(t.requests(), t.inputTokens(), t.outputTokens(), t.averageLatencyMillis(),
                    t.costUsd(), t.unpricedRequests());
        }
    }

    /** A day's summary for one provider, model and user. */
    public record DailySummaryView(String day, String provider, String model, String userId, long requests, long errors,
            long inputTokens, long outputTokens, BigDecimal costUsd, BigDecimal billedUsd) {

        public static DailySummaryView of(DailySummary d) {
            return new DailySummaryView(WireJson.string(d.day()), d.provider(), d.model(), d.userId(), d.requests(),
                    d.errors(), d.inputTokens(), d.outputTokens(), d.costUsd(), d.billedUsd());
        }
    }

    /** {@code DELETE /usage}: how many records went, and the cutoff used. */
    public record PurgeView(long purged, String before) {
    }

    /** One line of the pricing report: a tier, user or model ({@code key}), or the total. */
    public record PricingLineView(String key, long requests, BigDecimal costUsd, BigDecimal billedUsd,
            long unpricedRequests, long unbilledRequests) {

        public static PricingLineView of(PricingLine l) {
            return new PricingLineView(l.key(), l.requests(), l.costUsd(), l.billedUsd(), l.unpricedRequests(),
                    l.unbilledRequests());
        }

        static List<PricingLineView> of(List<PricingLine> lines) {
            return lines.stream().map(PricingLineView::of).toList();
        }
    }

    /** The requests that started in one hour of the day (0 to 23) in the report's zone. */
    public record HourView(int hour, long requests) {
    }

    /** The pricing report of {@code [from, to)} in {@code zone}. */
    public record PricingReportView(String from, String to, String zone, PricingLineView total,
            List<PricingLineView> byTier, List<PricingLineView> byUser, List<PricingLineView> byModel,
            List<HourView> byHour, List<Integer> peakHours, long users, BigDecimal averageCostPerRequest,
            BigDecimal averageBilledPerRequest, BigDecimal averageCostPerUser, BigDecimal averageBilledPerUser,
            List<PricingLineView> topUsers) {

        public static PricingReportView of(PricingReport p) {
            return new PricingReportView(WireJson.string(p.from()), WireJson.string(p.to()), p.zone().getId(),
                    PricingLineView.of(p.total()), PricingLineView.of(p.byTier()), PricingLineView.of(p.byUser()),
                    PricingLineView.of(p.byModel()),
                    p.byHour().stream().map(h -> new HourView(h.hour(), h.requests())).toList(), p.peakHours(),
                    p.users(), p.averageCostPerRequest(), p.averageBilledPerRequest(), p.averageCostPerUser(),
                    p.averageBilledPerUser(), PricingLineView.of(p.topUsers()));
        }
    }

    /** An entry of the org's audit log. */
    public record AuditEventView(String id, String actor, String action, String target, String detail, String at) {

        public static AuditEventView of(AuditEvent e) {
            return new AuditEventView(WireJson.string(e.id()), e.actor(), e.action(), e.target(), e.detail(),
                    WireJson.string(e.at()));
        }
    }

    /** A page of the audit log, newest first; {@code nextCursor} null on the last page. */
    public record AuditPageView(List<AuditEventView> events, String nextCursor) {

        public static AuditPageView of(AuditPage page) {
            return new AuditPageView(page.events().stream().map(AuditEventView::of).toList(), page.nextCursor());
        }
    }
}
