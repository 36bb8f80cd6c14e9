package dev.aitenancy.spring;

import dev.aitenancy.tenant.OrgId;

/**
 * Which orgs the host application has. The admin endpoints answer 404 {@code AI_NOT_FOUND} for an
 * org it does not know. Define one bean to use your own organizations; the default knows every
 * well-formed org id, since the library keeps no list of orgs of its own.
 */
@FunctionalInterface
public interface OrgDirectory {

    boolean exists(OrgId org);

    /** Every well-formed org id exists. */
    static OrgDirectory any() {
        return org -> true;
    }
}
