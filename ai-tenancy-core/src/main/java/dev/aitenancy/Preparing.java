package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.preferences.EffectivePreferences;
import java.math.BigDecimal;
import java.util.List;

/**
 * What {@code LLMJob.prepare()} has decided so far, on the preparing thread only; frozen into an
 * {@link Admission} when the call is admitted, or recorded as far as it got when it is refused.
 */
final class Preparing {
    final Admission.CallId id;
    private final CallRecords records;
    String step;
    String prompt;
    List<Message> messages = List.of();
    int history;
    ResolvedModel model;
    EffectivePreferences preferences = EffectivePreferences.NONE;
    String systemPrompt;
    GuardrailCheck guards = GuardrailCheck.none();
    RateLimitPermit permit = RateLimitPermit.NONE;
    BudgetReservation budget = BudgetReservation.NONE;
    BigDecimal reserved = BigDecimal.ZERO;
    ApiKey key;
    boolean verificationDue;
    private Boolean storesText;

    Preparing(Admission.CallId id, CallRecords records) {
        this.id = id;
        this.records = records;
    }

    Admission admission() {
        if (storesText == null) { // read when the first record is written, not before the template renders
            storesText = records.storesText(id.org());
        }
        return new Admission(id, prompt, messages, history, systemPrompt, preferences, model, guards, permit, budget, reserved, key, verificationDue,
                storesText, records.storedInput(storesText, id.request(), prompt, messages.subList(history,
                        messages.size()), key));
    }
}
