package dev.aitenancy.spring;

import dev.aitenancy.tenant.OrgId;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/**
 * Decides who may use the admin and generate endpoints. Define one bean of this type to replace
 * the default, which reads Spring Security's {@code Authentication} when Spring Security is on the
 * classpath ({@link SpringSecurityAdminAuthorizer}) and otherwise knows nobody, so every request
 * is refused.
 */
@FunctionalInterface
public interface AdminAuthorizer {

    /** The caller of this request, or empty when it is not authenticated (answered with 401). */
    Optional<AdminPrincipal> principal(HttpServletRequest request);

    /**
     * Whether the caller may do {@code permission} in {@code org} (else 403). By default the rules
     * of {@link AdminPrincipal#allows}.
     */
    default boolean allows(AdminPrincipal principal, OrgId org, AdminPermission permission) {
        return principal.allows(org, permission);
    }

    /** Knows nobody: every request is refused. The default when Spring Security is absent. */
    static AdminAuthorizer denyAll() {
        return request -> Optional.empty();
    }
}
