package dev.aitenancy.spring.internal;

import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.UsageWire.AuditPageView;
import dev.aitenancy.spring.internal.wire.UsageWire.DailySummaryView;
import dev.aitenancy.spring.internal.wire.UsageWire.PricingReportView;
import dev.aitenancy.spring.internal.wire.UsageWire.PurgeView;
import dev.aitenancy.spring.internal.wire.UsageWire.UsagePageView;
import dev.aitenancy.spring.internal.wire.UsageWire.UsageRecordDetailView;
import dev.aitenancy.spring.internal.wire.UsageWire.UsageTotalsView;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.usage.AuditPage;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageSummaries;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Writer;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An org's usage: records with every filter of {@link UsageQuery} and keyset pages, totals, one
 * record with its (redacted) texts, daily summaries, a streamed CSV or JSON-lines export, purge by
 * retention, the pricing report, and the audit log; {@code /my/usage} is a member's own records.
 *
 * <p>Filters (query parameters): {@code provider, model, feature, status (ok|error|canceled|started),
 * user, group, from, to (ISO instants or dates), correlationId, text, pageSize (1-1000), cursor}.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}")
public class UsageEndpoints extends AdminEndpoint {

    private final UsageLog usage;
    private final UsageSummaries summaries;
    private final OrgAdmin admin;
    private final Duration retention;
    private final Clock clock;

    public UsageEndpoints(AdminSupport support, UsageLog usage, UsageSummaries summaries, OrgAdmin admin,
            Duration retention, Clock clock) {
        super(support);
        this.usage = usage;
        this.summaries = summaries;
        this.admin = admin;
        this.retention = retention;
        this.clock = clock;
    }

    /** {@link UsagePageView}. */
    @GetMapping("/usage")
    public ResponseEntity<byte[]> records(@PathVariable String org, @RequestParam Map<String, String> params,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return page(query(a.org(), params, null));
    }

    /** {@link UsageTotalsView}. */
    @GetMapping("/usage/totals")
    public ResponseEntity<byte[]> totals(@PathVariable String org, @RequestParam Map<String, String> params,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(UsageTotalsView.of(usage.totals(query(a.org(), params, null))));
    }

    /** {@link UsageRecordDetailView}. */
    @GetMapping("/usage/records/{id}")
    public ResponseEntity<byte[]> record(@PathVariable String org, @PathVariable String id, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(UsageRecordDetailView.of(find(a.org(), id, null)));
    }

    /** {@code [DailySummaryView]}, by default of the last 30 days. */
    @GetMapping("/usage/daily")
    public ResponseEntity<byte[]> daily(@PathVariable String org, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(dailySummaries(a.org(), from, to, null));
    }

    private java.util.List<DailySummaryView> dailySummaries(OrgId org, String from, String to, String onlyUser) {
        if (summaries == null) {
            throw AdminHttpException.notFound("this application's usage store keeps no daily summaries");
        }
        LocalDate today = LocalDate.now(clock.withZone(java.time.ZoneOffset.UTC));
        LocalDate end = to == null ? today : AdminSupport.dateParam("to", to);
        LocalDate start = from == null ? end.minusDays(29) : AdminSupport.dateParam("from", from);
        return summaries.daily(org, start, end).stream().filter(d -> onlyUser == null || onlyUser.equals(d.userId()))
                .map(DailySummaryView::of).toList();
    }

    /** Every matching record, streamed: {@code format=csv} (default) or {@code format=jsonl}. */
    @GetMapping("/usage/export")
    public void export(@PathVariable String org, @RequestParam Map<String, String> params, HttpServletRequest http,
            HttpServletResponse response) throws IOException {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        String format = params.getOrDefault("format", "csv").toLowerCase(Locale.ROOT);
        ExportFormat f = switch (format) {
            case "csv" -> ExportFormat.CSV;
            case "jsonl", "json-lines", "ndjson" -> ExportFormat.JSON_LINES;
            default -> throw AdminHttpException.badRequest("\"format\" must be csv or jsonl");
        };
        UsageQuery q = query(a.org(), params, null);
        response.setStatus(200);
        response.setCharacterEncoding("UTF-8");
        response.setContentType(f == ExportFormat.CSV ? "text/csv" : "application/x-ndjson");
        response.setHeader("Content-Disposition", "attachment; filename=\"usage-" + a.org().value()
                + (f == ExportFormat.CSV ? ".csv\"" : ".jsonl\""));
        Writer out = response.getWriter();
        usage.export(q, f, out);
        out.flush();
    }

    /**
     * Deletes the records that started before {@code before} (an ISO instant or date), by default
     * before the retention period ({@code ai-tenancy.usage.retention}): {@link PurgeView}.
     */
    @DeleteMapping("/usage")
    public ResponseEntity<byte[]> purge(@PathVariable String org, @RequestParam(required = false) String before,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Instant cutoff = before == null ? clock.instant().minus(retention) : AdminSupport.instantParam("before", before);
        long purged = admin.purgeUsage(a.org(), cutoff, a.actor());
        return support.ok(new PurgeView(purged, cutoff.toString()));
    }

    /** The pricing report of {@code [from, to)} (default: the last 30 days) in {@code zone} (default UTC): {@link PricingReportView}. */
    @GetMapping("/usage/pricing")
    public ResponseEntity<byte[]> pricing(@PathVariable String org, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String zone,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        Instant end = to == null ? clock.instant() : AdminSupport.instantParam("to", to);
        Instant start = from == null ? end.minus(Duration.ofDays(30)) : AdminSupport.instantParam("from", from);
        ZoneId z;
        try {
            z = zone == null ? java.time.ZoneOffset.UTC : ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw AdminHttpException.badRequest("\"zone\" must be a time zone id such as Europe/Berlin");
        }
        return support.ok(PricingReportView.of(admin.pricingReport(a.org(), start, end, z)));
    }

    // ---- my usage ---------------------------------------------------------------------------------

    /** {@link UsagePageView} of the caller's own records. */
    @GetMapping("/my/usage")
    public ResponseEntity<byte[]> myRecords(@PathVariable String org, @RequestParam Map<String, String> params,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ_OWN_USAGE);
        return page(query(a.org(), params, a.actor()));
    }

    /** {@link UsageTotalsView} of the caller's own records. */
    @GetMapping("/my/usage/totals")
    public ResponseEntity<byte[]> myTotals(@PathVariable String org, @RequestParam Map<String, String> params,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ_OWN_USAGE);
        return support.ok(UsageTotalsView.of(usage.totals(query(a.org(), params, a.actor()))));
    }

    /** {@code [DailySummaryView]} of the caller's own calls, by default of the last 30 days. */
    @GetMapping("/my/usage/daily")
    public ResponseEntity<byte[]> myDaily(@PathVariable String org, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ_OWN_USAGE);
        return support.ok(dailySummaries(a.org(), from, to, a.actor()));
    }

    /** {@link UsageRecordDetailView} of one of the caller's own records. */
    @GetMapping("/my/usage/records/{id}")
    public ResponseEntity<byte[]> myRecord(@PathVariable String org, @PathVariable String id, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ_OWN_USAGE);
        return support.ok(UsageRecordDetailView.of(find(a.org(), id, a.actor())));
    }

    // ---- audit ------------------------------------------------------------------------------------

    /**
     * The org's audit log, newest first, in keyset pages: {@code actor}, {@code action} (exact, or a
     * prefix ending in {@code *}), {@code from}, {@code to}, {@code limit} (default 100), {@code cursor}:
     * {@link AuditPageView}.
     */
    @GetMapping("/audit")
    public ResponseEntity<byte[]> audit(@PathVariable String org, @RequestParam Map<String, String> p,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        AuditQuery q = AuditQuery.of(a.org()).withActor(blankToNull(p.get("actor")))
                .withAction(blankToNull(p.get("action")))
                .between(AdminSupport.instantParam("from", p.get("from")), AdminSupport.instantParam("to", p.get("to")))
                .withLimit(AdminSupport.intParam("limit", p.get("limit"), 100, 1, AuditQuery.MAX_LIMIT));
        String cursor = blankToNull(p.get("cursor"));
        if (cursor != null) {
            q = q.after(new AuditPage(java.util.List.of(), cursor));
        }
        return support.ok(AuditPageView.of(admin.auditLog(q)));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private ResponseEntity<byte[]> page(UsageQuery q) {
        return support.ok(UsagePageView.of(usage.query(q)));
    }

    /** The query of the request's parameters; {@code onlyUser} forces the user filter ("my usage"). */
    static UsageQuery query(OrgId org, Map<String, String> p, String onlyUser) {
        UsageQuery q = UsageQuery.of(org)
                .withProvider(blankToNull(p.get("provider")))
                .withModel(blankToNull(p.get("model")))
                .withFeature(blankToNull(p.get("feature")))
                .withGroup(blankToNull(p.get("group")))
                .withCorrelationId(blankToNull(p.get("correlationId")))
                .withText(blankToNull(p.get("text")))
                .between(AdminSupport.instantParam("from", p.get("from")), AdminSupport.instantParam("to", p.get("to")))
                .withPageSize(AdminSupport.intParam("pageSize", p.get("pageSize"), 50, 1, UsageQuery.MAX_PAGE_SIZE))
                .withUser(onlyUser != null ? onlyUser : blankToNull(p.get("user")));
        String status = blankToNull(p.get("status"));
        if (status != null) {
            q = q.withStatus(AdminSupport.enumOf(UsageStatus.class, "status", status));
        }
        String cursor = blankToNull(p.get("cursor"));
        return cursor == null ? q : q.after(new UsagePage(java.util.List.of(), cursor));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /**
     * One record by id, read through the query API (page by page, newest first), since usage sinks
     * have no lookup by id; {@code onlyUser} hides other users' records.
     */
    private UsageRecord find(OrgId org, String id, String onlyUser) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AdminHttpException.badRequest("a usage record id is a UUID");
        }
        return usage.find(org, uuid).filter(r -> onlyUser == null || onlyUser.equals(r.userId()))
                .orElseThrow(() -> AdminHttpException.notFound("org " + org + " has no usage record " + id));
    }
}
