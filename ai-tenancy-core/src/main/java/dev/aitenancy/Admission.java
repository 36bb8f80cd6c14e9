package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Role;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.preferences.EffectivePreferences;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What {@code LLMJob.prepare()} decided for one call, fixed before the call is handed to any other
 * thread. A call refused during preparation has one too, holding what was known when it was
 * refused (later parts null or empty).
 *
 * @param prompt      the rendered prompt, or null when the template did not render or there is none
 * @param messages    what is sent: the conversation's history, the request's messages and the
 *                    rendered prompt as the last user message, as the guardrails left them; empty
 *                    when the call was refused before they were known
 * @param history     how many of {@code messages} came from the conversation
 * @param systemPrompt the system instruction sent: the request's, with the preferred tone after it
 * @param preferences the AI preferences that shaped the call
 * @param model       the resolved model (the primary of its fallback chain), or null
 * @param reserved    the worst case held against the budgets: what the call is charged when its
 *                    tokens stay unknown (zero when none)
 * @param storesText  whether the org keeps prompt and answer text in its usage records
 * @param storedInput the input text the usage records keep (redacted, truncated), or null
 */
record Admission(CallId id, String prompt, List<Message> messages, int history, String systemPrompt,
        EffectivePreferences preferences, ResolvedModel model, GuardrailCheck guards, RateLimitPermit permit,
        BudgetReservation budget, BigDecimal reserved, ApiKey key, boolean verificationDue, boolean storesText,
        String storedInput) {

    /** Who makes the call and when: known from its first step. */
    record CallId(OrgId org, JobRequest request, String correlationId, Instant startedAt, UUID recordId) {
    }

    /** What the call adds to its conversation, without the answer: its own messages (system ones left out). */
    List<Message> newMessages() {
        return messages.subList(history, messages.size()).stream().filter(m -> m.role() != Role.SYSTEM).toList();
    }

    OrgId org() {
        return id.org();
    }

    JobRequest request() {
        return id.request();
    }
}
