package dev.aitenancy.spring.internal;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spring.AdminPermission;
import dev.aitenancy.spring.internal.wire.ProviderWire.ApiKeyRequest;
import dev.aitenancy.spring.internal.wire.ProviderWire.KeyCheckView;
import dev.aitenancy.spring.internal.wire.ProviderWire.ProviderDeletedView;
import dev.aitenancy.spring.internal.wire.ProviderWire.ProviderStatusView;
import jakarta.servlet.http.HttpServletRequest;
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
 * An org's provider keys: status (masked), check a key, check the stored key again, store one (checked, encrypted, audited),
 * delete one (with the org's models for that provider). A key is accepted in request bodies only,
 * and no response ever contains one.
 */
@RestController
@RequestMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/orgs/{org}/providers")
public class ProviderEndpoints extends AdminEndpoint {

    private final ProviderKeyAdmin keys;

    public ProviderEndpoints(AdminSupport support, ProviderKeyAdmin keys) {
        super(support);
        this.keys = keys;
    }

    /** {@code [ProviderStatusView]}. */
    @GetMapping
    public ResponseEntity<byte[]> status(@PathVariable String org, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.READ);
        return support.ok(keys.status(a.org()).stream().map(ProviderStatusView::of).toList());
    }

    /** {@link ApiKeyRequest} → {@link KeyCheckView}: checks a key with the provider without storing it; limited per admin like every key check. */
    @PostMapping("/{provider}/verify")
    public ResponseEntity<byte[]> verify(@PathVariable String org, @PathVariable String provider,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ProviderId id = ProviderId.of(provider);
        ApiKey key = apiKey(support.read(raw, ApiKeyRequest.class));
        keys.verify(a.org(), id, key, a.actor());
        return support.ok(new KeyCheckView(id.name(), true, key.masked()));
    }

    /**
     * No body → {@link ProviderStatusView}: checks the org's stored key with the provider now and, when
     * it is accepted, records it as verified (its {@code lastVerifiedAt}); audited as {@code key.verify}
     * either way; 404 when the org has no key for the provider; limited per admin like every key check
     * ({@link ProviderKeyAdmin#reverify}).
     */
    @PostMapping("/{provider}/reverify")
    public ResponseEntity<byte[]> reverify(@PathVariable String org, @PathVariable String provider,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ProviderId id = ProviderId.of(provider);
        return support.ok(keys.reverify(a.org(), id, a.actor()).map(ProviderStatusView::of)
                .orElseThrow(() -> AdminHttpException.notFound("org " + a.org() + " has no " + id.name()
                        + " key to check; save one first")));
    }

    /** {@link ApiKeyRequest} → {@link ProviderStatusView}: checks the key, then stores it encrypted (audited). */
    @PutMapping("/{provider}")
    public ResponseEntity<byte[]> upsert(@PathVariable String org, @PathVariable String provider,
            @RequestBody(required = false) String raw, HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        ApiKey key = apiKey(support.read(raw, ApiKeyRequest.class));
        return support.ok(ProviderStatusView.of(keys.upsert(a.org(), ProviderId.of(provider), key, a.actor())));
    }

    /** → {@link ProviderDeletedView}; the org's models for the provider go too. */
    @DeleteMapping("/{provider}")
    public ResponseEntity<byte[]> delete(@PathVariable String org, @PathVariable String provider,
            HttpServletRequest http) {
        AdminSupport.Access a = support.authorize(http, org, AdminPermission.MANAGE);
        boolean deleted = keys.delete(a.org(), ProviderId.of(provider), a.actor());
        return support.ok(new ProviderDeletedView(provider, deleted));
    }

    private static ApiKey apiKey(ApiKeyRequest body) {
        return ApiKey.of(AdminSupport.requiredText(body.apiKey(), "apiKey"));
    }
}
