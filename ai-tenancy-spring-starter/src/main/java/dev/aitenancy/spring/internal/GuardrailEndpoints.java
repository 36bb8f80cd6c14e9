package dev.aitenancy.spring.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aitenancy.AiTenancyException;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.tenant.OrgId;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An org's guardrails (every change audited): list (the global rules, read-only here, then the
 * org's), add, replace, delete. A guardrail is
 * {@code {level: org|tier|group|user, subject?, name?, action: block|warn|modify|log, enabled?,
 * rule: {type: model-allowlist|model-denylist|token-limit|rate-limit|content-filter|output-modifier|
 * budget-limit|time-restriction, ...}}}, the rule's fields as in {@link GuardrailRule}.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}/guardrails")
public class GuardrailEndpoints extends AdminEndpoint {

    private final OrgAdmin admin;

    public GuardrailEndpoints(AdminSupport support, OrgAdmin admin) {
        super(support);
        this.admin = admin;
    }

    @GetMapping
    public ResponseEntity<byte[]> list(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(admin.guardrails(a.org()).stream().map(this::view).toList());
    }

    @PostMapping
    public ResponseEntity<byte[]> add(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        Guardrail saved = admin.saveGuardrail(guardrail(a.org(), UUID.randomUUID(), support.body(raw)), a.actor());
        return support.respond(201, view(saved));
    }

    @PutMapping("/{id}")
    public ResponseEntity<byte[]> replace(@PathVariable String org, @PathVariable String id,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        UUID uuid = uuid(id);
        if (admin.guardrails(a.org()).stream().noneMatch(g -> g.id().equals(uuid) && a.org().equals(g.org()))) {
            throw AdminHttpException.notFound("org " + a.org() + " has no guardrail " + id);
        }
        return support.ok(view(admin.saveGuardrail(guardrail(a.org(), uuid, support.body(raw)), a.actor())));
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<byte[]> delete(@PathVariable String org, @PathVariable String id, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        if (!admin.deleteGuardrail(a.org(), uuid(id), a.actor())) {
            throw AdminHttpException.notFound("org " + a.org() + " has no guardrail " + id);
        }
        return support.ok(Views.obj("id", id, "deleted", true));
    }

    private Guardrail guardrail(OrgId org, UUID id, ObjectNode body) {
        return guardrail(support, org, id, body);
    }

    /** A guardrail from its JSON; a global one when {@code org} is null. */
    static Guardrail guardrail(AdminSupport support, OrgId org, UUID id, ObjectNode body) {
        String levelName = AdminSupport.text(body, "level");
        Guardrail.Level level = org == null ? Guardrail.Level.GLOBAL : levelName == null ? Guardrail.Level.ORG
                : AdminSupport.enumOf(Guardrail.Level.class, "level", levelName);
        if (org != null && level == Guardrail.Level.GLOBAL) {
            throw AdminHttpException.badRequest("global guardrails belong to no org: change them under /guardrails");
        }
        GuardrailAction action = AdminSupport.enumOf(GuardrailAction.class, "action",
                AdminSupport.requiredText(body, "action"));
        JsonNode ruleNode = body.get("rule");
        if (ruleNode == null || !ruleNode.isObject()) {
            throw AdminHttpException.badRequest("\"rule\" is required: an object with a \"type\"");
        }
        GuardrailRule rule;
        try {
            rule = support.mapper().treeToValue(ruleNode, GuardrailRule.class);
        } catch (InvalidTypeIdException e) {
            throw AdminHttpException.badRequest("field 'rule.type': expected one of model-allowlist, model-denylist, "
                    + "token-limit, rate-limit, content-filter, output-modifier, budget-limit, time-restriction");
        } catch (JsonProcessingException | IllegalArgumentException e) {
            if (rootCause(e) instanceof AiTenancyException ae) {
                throw ae; // the rule's own check, e.g. a pattern that cannot run in linear time
            }
            throw AdminHttpException.badRequest(e instanceof JsonProcessingException j ? JsonProblems.ofValue("rule", j)
                    : "field 'rule' does not have the expected form");
        }
        Boolean enabled = AdminSupport.bool(body, "enabled");
        return new Guardrail(id, level, org, org == null ? null : AdminSupport.text(body, "subject"),
                AdminSupport.text(body, "name"), rule, action, enabled == null || enabled);
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private Map<String, Object> view(Guardrail g) {
        return view(support, g);
    }

    static Map<String, Object> view(AdminSupport support, Guardrail g) {
        @SuppressWarnings("unchecked")
        Map<String, Object> rule = support.mapper().convertValue(g.rule(), Map.class);
        return Views.obj("id", g.id().toString(), "level", g.level().name().toLowerCase(Locale.ROOT),
                "subject", g.subject(), "name", g.name(), "action", g.action().wireName(), "enabled", g.enabled(),
                "global", g.org() == null, "rule", rule);
    }

    static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AdminHttpException.badRequest("a guardrail id is a UUID");
        }
    }
}
