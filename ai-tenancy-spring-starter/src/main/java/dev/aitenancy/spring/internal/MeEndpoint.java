package dev.aitenancy.spring.internal;

import dev.aitenancy.spring.internal.wire.PrincipalWire.PrincipalView;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET {base-path}/me}: the signed-in caller as the {@link dev.aitenancy.spring.AdminAuthorizer}
 * sees them (401 when nobody is signed in), so that a client such as the admin console can show the
 * pages the caller may use.
 */
@RestController
public class MeEndpoint extends AdminEndpoint {

    public MeEndpoint(AdminSupport support) {
        super(support);
    }

    /** {@link PrincipalView}. */
    @GetMapping("${ai-tenancy.admin.base-path:/ai-tenancy}/me")
    public ResponseEntity<byte[]> me(HttpServletRequest http) {
        return support.ok(PrincipalView.of(support.principal(http)));
    }
}
