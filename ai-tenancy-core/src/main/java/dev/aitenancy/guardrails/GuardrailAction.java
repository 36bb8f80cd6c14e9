package dev.aitenancy.guardrails;

/**
 * What a guardrail does when its rule applies to a call. Every outcome is listed in the call's
 * {@link dev.aitenancy.JobResult#guardrails()} and in its usage record.
 */
public enum GuardrailAction {
    /** Refuse the call (before the provider) or its answer (after) with {@code AI_GUARDRAIL_BLOCKED}. */
    BLOCK,
    /** Let the call go on, report the outcome and log a warning. */
    WARN,
    /** Change the call: mask matched content, add a disclaimer, lower the output cap. */
    MODIFY,
    /** Let the call go on and only record the outcome. */
    LOG;

    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    /** The lower-case name used in outcome summaries and JSON. */
    public String wireName() {
        return wireName;
    }
}
