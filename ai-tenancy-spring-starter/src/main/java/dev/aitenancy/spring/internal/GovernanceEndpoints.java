package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.spring.AdminPermission;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;
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

    /** The features switched explicitly for the org; any other feature is enabled. */
    @GetMapping("/features")
    public ResponseEntity<byte[]> features(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(new java.util.TreeMap<>(admin.features(a.org())));
    }

    /** {@code {"enabled": true|false}}. */
    @PutMapping("/features/{feature}")
    public ResponseEntity<byte[]> setFeature(@PathVariable String org, @PathVariable String feature,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Boolean enabled = AdminSupport.bool(support.body(raw), "enabled");
        if (enabled == null) {
            throw AdminHttpException.badRequest("\"enabled\" is required");
        }
        admin.setFeature(a.org(), feature, enabled, a.actor());
        return support.ok(Views.obj("feature", feature, "enabled", enabled));
    }

    // ---- tiers ------------------------------------------------------------------------------------

    /** The tiers of the application's plan, lowest first, with their models and rates. */
    @GetMapping("/tiers")
    public ResponseEntity<byte[]> tiers(@PathVariable String org, HttpServletRequest http) {
        support.authorize(http, org, AdminPermission.READ);
        return support.ok(plan.tiers().stream().map(Views::tier).toList());
    }

    /** Subscribes the org to tiers: {@code {"tiers": ["basic", "standard"]}}; an empty list lifts the restriction. */
    @PutMapping("/tiers")
    public ResponseEntity<byte[]> setOrgTiers(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Set<String> tiers = requiredTiers(support.body(raw));
        admin.setOrgTiers(a.org(), tiers, a.actor());
        return support.ok(Views.obj("tiers", tiers));
    }

    /** Narrows a group: {@code {"tiers": [...]}}, or {@code {"tiers": null}} to remove the narrowing. */
    @PutMapping("/tiers/groups/{group}")
    public ResponseEntity<byte[]> setGroupTiers(@PathVariable String org, @PathVariable String group,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Set<String> tiers = AdminSupport.strings(support.body(raw), "tiers");
        admin.setGroupTiers(a.org(), group, tiers, a.actor());
        return support.ok(Views.obj("group", group, "tiers", tiers));
    }

    /** Narrows a user: {@code {"tiers": [...]}}, or {@code {"tiers": null}} to remove the narrowing. */
    @PutMapping("/tiers/users/{user}")
    public ResponseEntity<byte[]> setUserTiers(@PathVariable String org, @PathVariable String user,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Set<String> tiers = AdminSupport.strings(support.body(raw), "tiers");
        admin.setUserTiers(a.org(), user, tiers, a.actor());
        return support.ok(Views.obj("user", user, "tiers", tiers));
    }

    private static Set<String> requiredTiers(JsonNode body) {
        Set<String> tiers = AdminSupport.strings(body, "tiers");
        if (tiers == null) {
            throw AdminHttpException.badRequest("\"tiers\" is required (an empty list lifts the restriction)");
        }
        return tiers;
    }

    // ---- budgets ----------------------------------------------------------------------------------

    @GetMapping("/budgets")
    public ResponseEntity<byte[]> budgets(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(admin.budgets(a.org()).stream().map(Views::budget).toList());
    }

    /**
     * Adds or replaces a budget: {@code {scope: org|group|user|tier, subject?, period:
     * daily|weekly|monthly, limitUsd, hard?, alertThreshold?, zone?, allowUnpriced?}} ({@code hard}
     * defaults to true, {@code allowUnpriced} to false: calls to a model without a price are refused
     * by a hard budget and only warned about by a soft one unless it is true).
     */
    @PutMapping("/budgets")
    public ResponseEntity<byte[]> setBudget(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ObjectNode body = support.body(raw);
        Budget.Scope scope = AdminSupport.enumOf(Budget.Scope.class, "scope", AdminSupport.requiredText(body, "scope"));
        Budget.Period period = AdminSupport.enumOf(Budget.Period.class, "period", AdminSupport.requiredText(body, "period"));
        BigDecimal limit = AdminSupport.decimal(body, "limitUsd");
        if (limit == null) {
            throw AdminHttpException.badRequest("\"limitUsd\" is required");
        }
        Boolean hard = AdminSupport.bool(body, "hard");
        String zone = AdminSupport.text(body, "zone");
        ZoneId z;
        try {
            z = zone == null ? ZoneId.of("UTC") : ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw AdminHttpException.badRequest("\"zone\" must be a time zone id such as Europe/Berlin");
        }
        Boolean allowUnpriced = AdminSupport.bool(body, "allowUnpriced");
        Budget b = new Budget(a.org(), scope, AdminSupport.text(body, "subject"), period, limit,
                hard == null || hard, AdminSupport.decimal(body, "alertThreshold"), z,
                allowUnpriced != null && allowUnpriced);
        admin.setBudget(b, a.actor());
        return support.ok(Views.budget(b));
    }

    /** Removes a budget: {@code ?scope=org|group|user|tier&subject=...&period=daily|weekly|monthly}. */
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
        return support.ok(Views.obj("removed", true));
    }

    // ---- templates --------------------------------------------------------------------------------

    /** Every version of the named template, oldest first. */
    @GetMapping("/templates/{name}")
    public ResponseEntity<byte[]> template(@PathVariable String org, @PathVariable String name,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        var versions = admin.templateVersions(a.org(), name);
        if (versions.isEmpty()) {
            throw AdminHttpException.notFound("org " + a.org() + " has no template " + name);
        }
        return support.ok(versions.stream().map(Views::template).toList());
    }

    /** Saves a new version: {@code {"text": "Summarize {{topic}}"}}. */
    @PostMapping("/templates/{name}")
    public ResponseEntity<byte[]> saveTemplate(@PathVariable String org, @PathVariable String name,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        String text = AdminSupport.requiredText(support.body(raw), "text");
        return support.respond(201, Views.template(admin.saveTemplate(a.org(), name, text, a.actor())));
    }

    // ---- rate limits ------------------------------------------------------------------------------

    @GetMapping("/rate-limits")
    public ResponseEntity<byte[]> rateLimits(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(Views.policy(admin.rateLimitPolicy(a.org())));
    }

    /** Gives the org its own limits; fields left out keep their current value (0 = no limit). */
    @PutMapping("/rate-limits")
    public ResponseEntity<byte[]> setRateLimits(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ObjectNode body = support.body(raw);
        Map<String, Object> current = Views.policy(admin.rateLimitPolicy(a.org()));
        RateLimitPolicy p = new RateLimitPolicy(
                intOr(body, "userRequestsPerMinute", current), intOr(body, "ipRequestsPerMinute", current),
                intOr(body, "orgRequestsPerMinute", current), longOr(body, "userTokensPerMinute", current),
                longOr(body, "orgTokensPerMinute", current), intOr(body, "userRequestsPerDay", current),
                intOr(body, "orgRequestsPerDay", current), intOr(body, "userKeyChecksPerMinute", current));
        admin.setRateLimitPolicy(a.org(), p, a.actor());
        return support.ok(Views.policy(p));
    }

    // ---- stored usage text ------------------------------------------------------------------------

    @GetMapping("/usage-text")
    public ResponseEntity<byte[]> usageText(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(Views.obj("storeText", admin.storesUsageText(a.org())));
    }

    /** Whether the org's usage records keep prompt and answer text: {@code {"storeText": false}}. */
    @PutMapping("/usage-text")
    public ResponseEntity<byte[]> setUsageText(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Boolean store = AdminSupport.bool(support.body(raw), "storeText");
        if (store == null) {
            throw AdminHttpException.badRequest("\"storeText\" is required");
        }
        admin.setStoresUsageText(a.org(), store, a.actor());
        return support.ok(Views.obj("storeText", store));
    }

    private static int intOr(JsonNode body, String field, Map<String, Object> current) {
        Integer v = AdminSupport.integer(body, field);
        return v != null ? v : ((Number) current.get(field)).intValue();
    }

    private static long longOr(JsonNode body, String field, Map<String, Object> current) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return ((Number) current.get(field)).longValue();
        }
        if (!n.isIntegralNumber()) {
            throw AdminHttpException.badRequest("\"" + field + "\" must be a whole number");
        }
        return n.longValue();
    }
}
