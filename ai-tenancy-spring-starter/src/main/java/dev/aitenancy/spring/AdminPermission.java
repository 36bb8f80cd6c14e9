package dev.aitenancy.spring;

/** What a request to the admin endpoints wants to do within one org. */
public enum AdminPermission {
    /** Run a prompt ({@code POST /orgs/{org}/generate}). */
    GENERATE,
    /** Read one's own usage records ({@code /orgs/{org}/my/usage}). */
    READ_OWN_USAGE,
    /** Read the org's configuration, usage and audit log. */
    READ,
    /** Change the org's configuration: keys, models, limits, budgets, templates; purge usage. */
    MANAGE
}
