package dev.aitenancy.spring;

import dev.aitenancy.tenant.OrgId;
import java.util.Objects;
import java.util.Set;

/**
 * Who calls the admin endpoints, as an {@link AdminAuthorizer} sees them.
 *
 * @param userId     the caller's id: the actor of audit events and the user of usage records
 * @param superadmin may do everything in every org, member or not
 * @param adminOf    the orgs whose configuration, usage and audit log the caller manages and reads
 * @param memberOf   the orgs in which the caller may generate and read their own usage
 * @param groups     the caller's groups (for tier narrowing and group budgets of their calls)
 */
public record AdminPrincipal(String userId, boolean superadmin, Set<String> adminOf, Set<String> memberOf,
        Set<String> groups) {

    public AdminPrincipal {
        if (userId == null || userId.isBlank()) {
            throw new IllegalArgumentException("an admin principal needs a user id");
        }
        adminOf = adminOf == null ? Set.of() : Set.copyOf(adminOf);
        memberOf = memberOf == null ? Set.of() : Set.copyOf(memberOf);
        groups = groups == null ? Set.of() : Set.copyOf(groups);
    }

    /**
     * The built-in rules: a superadmin may do everything in every org; an org admin may do
     * everything in the orgs they administer; a member may generate and read their own usage in
     * their orgs, nothing else.
     */
    public boolean allows(OrgId org, AdminPermission permission) {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(permission, "permission");
        if (superadmin || adminOf.contains(org.value())) {
            return true;
        }
        return memberOf.contains(org.value())
                && (permission == AdminPermission.GENERATE || permission == AdminPermission.READ_OWN_USAGE);
    }
}
