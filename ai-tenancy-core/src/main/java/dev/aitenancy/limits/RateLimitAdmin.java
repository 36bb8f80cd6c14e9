package dev.aitenancy.limits;

import dev.aitenancy.tenant.OrgId;

/** The per-org request limits a {@link RateLimiter} enforces. */
public interface RateLimitAdmin {

    /** Gives one org its own limits. */
    void setPolicy(OrgId org, RateLimitPolicy policy);

    /** The org's limits: its own, or the default. */
    RateLimitPolicy policy(OrgId org);
}
