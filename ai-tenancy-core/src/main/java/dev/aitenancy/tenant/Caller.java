package dev.aitenancy.tenant;

import java.util.Objects;
import java.util.Set;

/**
 * Who makes a call inside an organization: the user, the groups they belong to, their IP address
 * and roles. Every part is optional; a call without a user is attributed to the org alone.
 */
public record Caller(String userId, Set<String> groupIds, String ip, Set<String> roles) {

    /** A caller nobody knows anything about (system jobs, batch work). */
    public static final Caller ANONYMOUS = new Caller(null, Set.of(), null, Set.of());

    public Caller {
        groupIds = groupIds == null ? Set.of() : Set.copyOf(groupIds);
        roles = roles == null ? Set.of() : Set.copyOf(roles);
    }

    public static Caller user(String userId) {
        return new Caller(Objects.requireNonNull(userId, "userId"), Set.of(), null, Set.of());
    }

    public Caller withIp(String newIp) {
        return new Caller(userId, groupIds, newIp, roles);
    }

    public Caller withGroups(Set<String> newGroupIds) {
        return new Caller(userId, newGroupIds, ip, roles);
    }

    public Caller withRoles(Set<String> newRoles) {
        return new Caller(userId, groupIds, ip, newRoles);
    }
}
