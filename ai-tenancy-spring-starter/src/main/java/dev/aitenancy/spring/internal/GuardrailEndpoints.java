package dev.aitenancy.spring.internal;

import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GlobalGuardrailRequest;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GuardrailDeletedView;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GuardrailRequest;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GuardrailView;
import dev.aitenancy.tenant.OrgId;
import jakarta.servlet.http.HttpServletRequest;
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
 * org's), add, replace, delete. A guardrail is a {@link GuardrailRequest}, its rule
 * {@code {type: model-allowlist|model-denylist|token-limit|rate-limit|content-filter|output-modifier|
 * budget-limit|time-restriction, ...}} with the fields of {@link GuardrailRule}; the answer a
 * {@link GuardrailView}.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}/guardrails")
public class GuardrailEndpoints extends AdminEndpoint {

    private final OrgAdmin admin;

    public GuardrailEndpoints(AdminSupport support, OrgAdmin admin) {
        super(support);
        this.admin = admin;
    }

    /** {@code [GuardrailView]}: the global rules, then the org's. */
    @GetMapping
    public ResponseEntity<byte[]> list(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(admin.guardrails(a.org()).stream().map(GuardrailView::of).toList());
    }

    /** {@link GuardrailRequest} → 201 {@link GuardrailView}. */
    @PostMapping
    public ResponseEntity<byte[]> add(@PathVariable String org, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        GuardrailRequest body = support.read(raw, GuardrailRequest.class);
        Guardrail saved = admin.saveGuardrail(guardrail(a.org(), UUID.randomUUID(), body), a.actor());
        return support.respond(201, GuardrailView.of(saved));
    }

    /** {@link GuardrailRequest} → {@link GuardrailView}: replaces one of the org's guardrails. */
    @PutMapping("/{id}")
    public ResponseEntity<byte[]> replace(@PathVariable String org, @PathVariable String id,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        UUID uuid = uuid(id);
        if (admin.guardrails(a.org()).stream().noneMatch(g -> g.id().equals(uuid) && a.org().equals(g.org()))) {
            throw AdminHttpException.notFound("org " + a.org() + " has no guardrail " + id);
        }
        GuardrailRequest body = support.read(raw, GuardrailRequest.class);
        return support.ok(GuardrailView.of(admin.saveGuardrail(guardrail(a.org(), uuid, body), a.actor())));
    }

    /** → {@link GuardrailDeletedView}. */
    @DeleteMapping("/{id}")
    public ResponseEntity<byte[]> delete(@PathVariable String org, @PathVariable String id, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        if (!admin.deleteGuardrail(a.org(), uuid(id), a.actor())) {
            throw AdminHttpException.notFound("org " + a.org() + " has no guardrail " + id);
        }
        return support.ok(new GuardrailDeletedView(id, true));
    }

    /** The org's guardrail of a request. */
    private static Guardrail guardrail(OrgId org, UUID id, GuardrailRequest body) {
        Guardrail.Level level = body.level() == null ? Guardrail.Level.ORG
                : AdminSupport.enumOf(Guardrail.Level.class, "level", body.level());
        if (level == Guardrail.Level.GLOBAL) {
            throw AdminHttpException.badRequest("global guardrails belong to no org: change them under /guardrails");
        }
        GuardrailAction action = action(body.action());
        return new Guardrail(id, level, org, body.subject(), body.name(), rule(body.rule()), action,
                body.enabled() == null || body.enabled());
    }

    /** A global guardrail of a request. */
    static Guardrail guardrail(UUID id, GlobalGuardrailRequest body) {
        GuardrailAction action = action(body.action());
        return new Guardrail(id, Guardrail.Level.GLOBAL, null, null, body.name(), rule(body.rule()), action,
                body.enabled() == null || body.enabled());
    }

    private static GuardrailAction action(String action) {
        return AdminSupport.enumOf(GuardrailAction.class, "action", AdminSupport.requiredText(action, "action"));
    }

    private static GuardrailRule rule(GuardrailRule rule) {
        if (rule == null) {
            throw AdminHttpException.badRequest("\"rule\" is required: an object with a \"type\"");
        }
        return rule;
    }

    static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AdminHttpException.badRequest("a guardrail id is a UUID");
        }
    }
}
