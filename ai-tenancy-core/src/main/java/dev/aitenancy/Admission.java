package dev.aitenancy;

import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * What {@code LLMJob.prepare()} decided for one call, fixed before the call is handed to any other
 * thread. A call refused during preparation has one too, holding what was known when it was
 * refused (later parts null or empty).
 *
 * @param prompt      the rendered prompt, or null when the template did not render
 * @param model       the resolved model (the primary of its fallback chain), or null
 * @param reserved    the worst case held against the budgets: what the call is charged when its
 *                    tokens stay unknown (zero when none)
 * @param storesText  whether the org keeps prompt and answer text in its usage records
 * @param storedInput the input text the usage records keep (redacted, truncated), or null
 */
record Admission(CallId id, String prompt, ResolvedModel model, GuardrailCheck guards, RateLimitPermit permit,
        BudgetReservation budget, BigDecimal reserved, ApiKey key, boolean verificationDue, boolean storesText,
        String storedInput) {

    /** Who makes the call and when: known from its first step. */
    record CallId(OrgId org, JobRequest request, String correlationId, Instant startedAt, UUID recordId) {
    }

    OrgId org() {
        return id.org();
    }

    JobRequest request() {
        return id.request();
    }
}
