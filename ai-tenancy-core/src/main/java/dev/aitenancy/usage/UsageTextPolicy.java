package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;

/**
 * Whether an org's usage records keep the prompt and answer text (redacted and truncated by
 * {@link Redactor}). An org that switched it off gets records with tokens, cost, status and error
 * but no {@code inputText} or {@code outputText}. Orgs store text unless told otherwise.
 */
@FunctionalInterface
public interface UsageTextPolicy {

    boolean storesText(OrgId org);

    /** Every org stores text (the default). */
    static UsageTextPolicy always() {
        return org -> true;
    }

    /** No org stores text. */
    static UsageTextPolicy never() {
        return org -> false;
    }
}
