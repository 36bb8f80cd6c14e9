package dev.aitenancy.tenant;

/**
 * Anything that names an organization. Hosts may implement it on their own tenant type, or pass a
 * {@code String}, a {@code UUID}, or a JPA entity whose id is annotated with
 * {@code jakarta.persistence.Id} (see {@link OrgRefs}).
 */
@FunctionalInterface
public interface OrgRef {

    /** The organization's id as the host knows it. Never blank. */
    String orgId();
}
