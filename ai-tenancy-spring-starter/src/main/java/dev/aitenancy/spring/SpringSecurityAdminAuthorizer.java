package dev.aitenancy.spring;

import jakarta.servlet.http.HttpServletRequest;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The default {@link AdminAuthorizer} when Spring Security is present: the caller is the
 * authenticated (not anonymous) {@code Authentication} of the request, its user id is
 * {@link Authentication#getName()}, and these granted authorities say what it may do:
 *
 * <ul>
 *   <li>{@value #SUPERADMIN} (a role {@code AI_SUPERADMIN}) — everything in every org;</li>
 *   <li>{@code AI_ORG_ADMIN:<org>} — manage and read the org, e.g. {@code AI_ORG_ADMIN:acme};</li>
 *   <li>{@code AI_ORG_MEMBER:<org>} — generate and read one's own usage in the org;</li>
 *   <li>{@code AI_GROUP:<group>} — the caller belongs to the group (tier narrowing, group budgets).</li>
 * </ul>
 *
 * Other authorities are ignored. Map your own roles to these, or define your own
 * {@link AdminAuthorizer} bean.
 */
public class SpringSecurityAdminAuthorizer implements AdminAuthorizer {

    /** The authority of a superadmin. */
    public static final String SUPERADMIN = "ROLE_AI_SUPERADMIN";
    /** Prefix of the authority that makes the caller an admin of the org that follows. */
    public static final String ORG_ADMIN_PREFIX = "AI_ORG_ADMIN:";
    /** Prefix of the authority that makes the caller a member of the org that follows. */
    public static final String ORG_MEMBER_PREFIX = "AI_ORG_MEMBER:";
    /** Prefix of the authority that puts the caller in the group that follows. */
    public static final String GROUP_PREFIX = "AI_GROUP:";

    @Override
    public Optional<AdminPrincipal> principal(HttpServletRequest request) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken
                || auth.getName() == null || auth.getName().isBlank()) {
            return Optional.empty();
        }
        boolean superadmin = false;
        Set<String> adminOf = new HashSet<>();
        Set<String> memberOf = new HashSet<>();
        Set<String> groups = new HashSet<>();
        for (GrantedAuthority granted : auth.getAuthorities()) {
            String a = granted.getAuthority();
            if (a == null) {
                continue;
            }
            if (a.equals(SUPERADMIN)) {
                superadmin = true;
            } else if (a.startsWith(ORG_ADMIN_PREFIX)) {
                adminOf.add(a.substring(ORG_ADMIN_PREFIX.length()));
            } else if (a.startsWith(ORG_MEMBER_PREFIX)) {
                memberOf.add(a.substring(ORG_MEMBER_PREFIX.length()));
            } else if (a.startsWith(GROUP_PREFIX)) {
                groups.add(a.substring(GROUP_PREFIX.length()));
            }
        }
        return Optional.of(new AdminPrincipal(auth.getName(), superadmin, adminOf, memberOf, groups));
    }
}
