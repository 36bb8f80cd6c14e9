package dev.aitenancy.spring.internal;

import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.spring.AdminAuthorizer;
import dev.aitenancy.spring.AdminPrincipal;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GlobalGuardrailRequest;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GuardrailDeletedView;
import dev.aitenancy.spring.internal.wire.GuardrailWire.GuardrailView;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * The global guardrails, which apply to every org: superadmins only. They belong to no org, so
 * their changes are logged ({@code INFO}, with the superadmin's id) rather than written to an org's
 * audit log. The body is a {@link GlobalGuardrailRequest}: a guardrail as under
 * {@code /orgs/{org}/guardrails}, without level and subject; the answer a {@link GuardrailView}.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/guardrails")
public class GlobalGuardrailEndpoints extends AdminEndpoint {

    private static final Logger log = LoggerFactory.getLogger(GlobalGuardrailEndpoints.class);

    private final AdminAuthorizer authorizer;
    private final GuardrailStore store;

    public GlobalGuardrailEndpoints(AdminSupport support, AdminAuthorizer authorizer, GuardrailStore store) {
        super(support);
        this.authorizer = authorizer;
        this.store = store;
    }

    /** {@code [GuardrailView]}. */
    @GetMapping
    public ResponseEntity<byte[]> list(HttpServletRequest http) {
        superadmin(http);
        return support.ok(store.globalGuardrails().stream().map(GuardrailView::of).toList());
    }

    /** {@link GlobalGuardrailRequest} → 201 {@link GuardrailView}. */
    @PostMapping
    public ResponseEntity<byte[]> add(@RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminPrincipal who = superadmin(http);
        GlobalGuardrailRequest body = support.read(raw, GlobalGuardrailRequest.class);
        Guardrail saved = store.save(GuardrailEndpoints.guardrail(UUID.randomUUID(), body));
        log.info("global guardrail {} '{}' added by {}", saved.id(), saved.name(), who.userId());
        return support.respond(201, GuardrailView.of(saved));
    }

    /** {@link GlobalGuardrailRequest} → {@link GuardrailView}. */
    @PutMapping("/{id}")
    public ResponseEntity<byte[]> replace(@PathVariable String id, @RequestBody(required = false) String raw,
            HttpServletRequest http) {
        AdminPrincipal who = superadmin(http);
        UUID uuid = GuardrailEndpoints.uuid(id);
        if (store.find(null, uuid).isEmpty()) {
            throw AdminHttpException.notFound("there is no global guardrail " + id);
        }
        GlobalGuardrailRequest body = support.read(raw, GlobalGuardrailRequest.class);
        Guardrail saved = store.save(GuardrailEndpoints.guardrail(uuid, body));
        log.info("global guardrail {} '{}' replaced by {}", saved.id(), saved.name(), who.userId());
        return support.ok(GuardrailView.of(saved));
    }

    /** → {@link GuardrailDeletedView}. */
    @DeleteMapping("/{id}")
    public ResponseEntity<byte[]> delete(@PathVariable String id, HttpServletRequest http) {
        AdminPrincipal who = superadmin(http);
        if (!store.delete(null, GuardrailEndpoints.uuid(id))) {
            throw AdminHttpException.notFound("there is no global guardrail " + id);
        }
        log.info("global guardrail {} deleted by {}", id, who.userId());
        return support.ok(new GuardrailDeletedView(id, true));
    }

    private AdminPrincipal superadmin(HttpServletRequest http) {
        AdminPrincipal p = authorizer.principal(http).orElseThrow(() -> new AdminHttpException(401,
                AdminHttpException.UNAUTHENTICATED, "sign in first: the ai-tenancy endpoints need an authenticated caller"));
        if (!p.superadmin()) {
            throw new AdminHttpException(403, AdminHttpException.FORBIDDEN,
                    "user " + p.userId() + " may not change global guardrails: superadmins only");
        }
        return p;
    }
}
