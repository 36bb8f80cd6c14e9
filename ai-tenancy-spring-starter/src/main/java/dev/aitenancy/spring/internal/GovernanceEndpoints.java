package dev.aitenancy.spring.internal;

import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.GovernanceWire.BudgetRemovedView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.BudgetRequest;
import dev.aitenancy.spring.internal.wire.GovernanceWire.BudgetView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.FeatureSwitchRequest;
import dev.aitenancy.spring.internal.wire.GovernanceWire.FeatureView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.GroupTiersView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.OrgTiersView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.RateLimitsRequest;
import dev.aitenancy.spring.internal.wire.GovernanceWire.RateLimitsView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.TemplateRequest;
import dev.aitenancy.spring.internal.wire.GovernanceWire.TemplateView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.TierView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.TiersRequest;
import dev.aitenancy.spring.internal.wire.GovernanceWire.UsageTextRequest;
import dev.aitenancy.spring.internal.wire.GovernanceWire.UsageTextView;
import dev.aitenancy.spring.internal.wire.GovernanceWire.UserTiersView;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** An org's feature flags, tiers and tier access, budgets, templates, rate limits and stored usage text; every change audited. */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}")
public class GovernanceEndpoints extends AdminEndpoint {

    private final OrgAdmin admin;
    private final TierPlan plan;

    public GovernanceEndpoints(AdminSupport support, OrgAdmin admin, TierPlan plan) {
        super(support);
        this.admin = admin;
        this.plan = plan;
    }

    // ---- feature flags ----------------------------------------------------------------------------

    /** The features switched explicitly for the org, {@code {feature: true|false}}; any other feature is enabled. */
    @GetMapping("/features")
    public ResponseEntity<byte[]> features(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(new TreeMap<>(admin.features(a.org())));
    }

    /** {@link FeatureSwitchRequest} → {@link FeatureView}. */
    @PutMapping("/features/{feature}")
    public ResponseEntity<byte[]> setFeature(@PathVariable String org, @PathVariable String feature,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        boolean enabled = AdminSupport.required(support.read(raw, FeatureSwitchRequest.class).enabled(), "enabled");
        admin.setFeature(a.org(), feature, enabled, a.actor());
        return support.ok(new FeatureView(feature, enabled));
    }

    // ---- tiers ------------------------------------------------------------------------------------

    /** The tiers of the application's plan, lowest first, with their models and rates: {@code [TierView]}. */
    @GetMapping("/tiers")
    public ResponseEntity<byte[]> tiers(@PathVariable String org, HttpServletRequest http) {
        support.authorize(http, org, AdminPermission.READ);
        return support.ok(plan.tiers().stream().map(TierView::of).toList());
    }

    /** {@link TiersRequest} → {@link OrgTiersView}: subscribes the org to tiers; an empty list lifts the restriction. */
    @PutMapping("/tiers")
    public ResponseEntity<byte[]> setOrgTiers(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Set<String> tiers = support.read(raw, TiersRequest.class).tierSet();
        if (tiers == null) {
            throw AdminHttpException.badRequest("\"tiers\" is required (an empty list lifts the restriction)");
        }
        admin.setOrgTiers(a.org(), tiers, a.actor());
        return support.ok(new OrgTiersView(tiers));
    }

    /** {@link TiersRequest} → {@link GroupTiersView}: narrows a group, or with {@code {"tiers": null}} removes the narrowing. */
    @PutMapping("/tiers/groups/{group}")
    public ResponseEntity<byte[]> setGroupTiers(@PathVariable String org, @PathVariable String group,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Set<String> tiers = support.read(raw, TiersRequest.class).tierSet();
        admin.setGroupTiers(a.org(), group, tiers, a.actor());
        return support.ok(new GroupTiersView(group, tiers));
    }

    /** {@link TiersRequest} → {@link UserTiersView}: narrows a user, or with {@code {"tiers": null}} removes the narrowing. */
    @PutMapping("/tiers/users/{user}")
    public ResponseEntity<byte[]> setUserTiers(@PathVariable String org, @PathVariable String user,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Set<String> tiers = support.read(raw, TiersRequest.class).tierSet();
        admin.setUserTiers(a.org(), user, tiers, a.actor());
        return support.ok(new UserTiersView(user, tiers));
    }

    // ---- budgets ----------------------------------------------------------------------------------

    /** {@code [BudgetView]}. */
    @GetMapping("/budgets")
    public ResponseEntity<byte[]> budgets(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(admin.budgets(a.org()).stream().map(b -> BudgetView.of(b, admin.spend(b))).toList());
    }

    /**
     * {@link BudgetRequest} → {@link BudgetView}: adds or replaces a budget ({@code hard} defaults to
     * true, {@code allowUnpriced} to false: calls to a model without a price are refused by a hard
     * budget and only warned about by a soft one unless it is true).
     */
    @PutMapping("/budgets")
    public ResponseEntity<byte[]> setBudget(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        BudgetRequest body = support.read(raw, BudgetRequest.class);
        Budget.Scope scope = AdminSupport.enumOf(Budget.Scope.class, "scope", AdminSupport.requiredText(body.scope(), "scope"));
        Budget.Period period = AdminSupport.enumOf(Budget.Period.class, "period",
                AdminSupport.requiredText(body.period(), "period"));
        BigDecimal limit = AdminSupport.required(body.limitUsd(), "limitUsd");
        ZoneId z;
        try {
            z = body.zone() == null ? ZoneId.of("UTC") : ZoneId.of(body.zone());
        } catch (DateTimeException e) {
            throw AdminHttpException.badRequest("\"zone\" must be a time zone id such as Europe/Berlin");
        }
        Budget b = new Budget(a.org(), scope, body.subject(), period, limit, body.hard() == null || body.hard(),
                body.alertThreshold(), z, Boolean.TRUE.equals(body.allowUnpriced()));
        admin.setBudget(b, a.actor());
        return support.ok(BudgetView.of(b, admin.spend(b)));
    }

    /** Removes a budget, {@code ?scope=org|group|user|tier&subject=...&period=daily|weekly|monthly}: {@link BudgetRemovedView}. */
    @DeleteMapping("/budgets")
    public ResponseEntity<byte[]> removeBudget(@PathVariable String org, @RequestParam(required = false) String scope,
            @RequestParam(required = false) String subject, @RequestParam(required = false) String period,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        if (scope == null || period == null) {
            throw AdminHttpException.badRequest("\"scope\" and \"period\" are required, and \"subject\" "
                    + "for group, user and tier budgets");
        }
        Budget.Scope s = AdminSupport.enumOf(Budget.Scope.class, "scope", scope);
        Budget.Period p = AdminSupport.enumOf(Budget.Period.class, "period", period);
        if (!admin.removeBudget(a.org(), s, s == Budget.Scope.ORG ? null : subject, p, a.actor())) {
            throw AdminHttpException.notFound("org " + a.org() + " has no such budget");
        }
        return support.ok(new BudgetRemovedView(true));
    }

    // ---- templates --------------------------------------------------------------------------------

    /** The latest version of each of the org's templates, by name: {@code [TemplateView]}. */
    @GetMapping("/templates")
    public ResponseEntity<byte[]> templates(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(admin.latestTemplates(a.org()).stream().map(TemplateView::of).toList());
    }

    /** Every version of the named template, oldest first: {@code [TemplateView]}. */
    @GetMapping("/templates/{name}")
    public ResponseEntity<byte[]> template(@PathVariable String org, @PathVariable String name,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        var versions = admin.templateVersions(a.org(), name);
        if (versions.isEmpty()) {
            throw AdminHttpException.notFound("org " + a.org() + " has no template " + name);
        }
        return support.ok(versions.stream().map(TemplateView::of).toList());
    }

    /** {@link TemplateRequest} → 201 {@link TemplateView}: saves a new version. */
    @PostMapping("/templates/{name}")
    public ResponseEntity<byte[]> saveTemplate(@PathVariable String org, @PathVariable String name,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        String text = AdminSupport.requiredText(support.read(raw, TemplateRequest.class).text(), "text");
        return support.respond(201, TemplateView.of(admin.saveTemplate(a.org(), name, text, a.actor())));
    }

    // ---- rate limits ------------------------------------------------------------------------------

    /** {@link RateLimitsView}. */
    @GetMapping("/rate-limits")
    public ResponseEntity<byte[]> rateLimits(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(RateLimitsView.of(admin.rateLimitPolicy(a.org())));
    }

    /** {@link RateLimitsRequest} → {@link RateLimitsView}: the org's own limits; fields left out keep their current value. */
    @PutMapping("/rate-limits")
    public ResponseEntity<byte[]> setRateLimits(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        RateLimitPolicy p = support.read(raw, RateLimitsRequest.class).over(admin.rateLimitPolicy(a.org()));
        admin.setRateLimitPolicy(a.org(), p, a.actor());
        return support.ok(RateLimitsView.of(p));
    }

    // ---- stored usage text ------------------------------------------------------------------------

    /** {@link UsageTextView}. */
    @GetMapping("/usage-text")
    public ResponseEntity<byte[]> usageText(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(new UsageTextView(admin.storesUsageText(a.org())));
    }

    /** {@link UsageTextRequest} → {@link UsageTextView}: whether the org's usage records keep prompt and answer text. */
    @PutMapping("/usage-text")
    public ResponseEntity<byte[]> setUsageText(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        boolean store = AdminSupport.required(support.read(raw, UsageTextRequest.class).storeText(), "storeText");
        admin.setStoresUsageText(a.org(), store, a.actor());
        return support.ok(new UsageTextView(store));
    }
}
