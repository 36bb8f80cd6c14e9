package dev.aitenancy.spring.internal.wire;

import dev.aitenancy.spring.AdminPrincipal;
import java.util.List;

/** The body of {@code GET /me}: who the signed-in caller is, as the admin console needs to know. */
public final class PrincipalWire {

    private PrincipalWire() {
    }

    /**
     * The caller: their id, whether they are a superadmin, and the orgs they administer and are a
     * member of (each sorted), and their groups.
     */
    public record PrincipalView(String userId, boolean superadmin, List<String> adminOf, List<String> memberOf,
            List<String> groups) {

        public static PrincipalView of(AdminPrincipal p) {
            return new PrincipalView(p.userId(), p.superadmin(), p.adminOf().stream().sorted().toList(),
                    p.memberOf().stream().sorted().toList(), p.groups().stream().sorted().toList());
        }
    }
}
