package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.internal.Ids;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.template.PromptTemplate;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.tenant.OrgRefs;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Steps 1-9 of a call: everything before the provider is called, decided once into an
 * {@link Admission}, with the parts of the {@link LLMJob} it belongs to.
 */
final class Admitting {

    private final LLMJob job;

    Admitting(LLMJob job) {
        this.job = job;
    }

    /**
     * Steps 1-9: everything before the provider is called, decided once into an {@link Admission}.
     * Throws when the call may not go ahead, after recording the refusal.
     */
    Admission prepare(JobRequest request) {
        return admit(begin(request));
    }

    /**
     * Step 1, on the caller's thread: who the call is for, its ids and the start of its trace (whose
     * parent is whatever span the caller is in). Throws only for a request naming no usable org.
     */
    Admission.CallId begin(JobRequest request) {
        OrgId org = OrgRefs.resolve(request.org());                                           // 1. who
        Instant now = job.clock.instant();
        UUID recordId = Ids.timeOrdered(now.toEpochMilli());
        Admission.CallId id = new Admission.CallId(org, request, request.correlationId() != null
                ? request.correlationId() : recordId.toString(), now, recordId);
        job.calls.traces().start(recordId, dev.aitenancy.usage.UsageRecord.CHAT, org, id.correlationId());
        return id;
    }

    /** Steps 2-9 of a call {@link #begin begun}, on any thread. */
    Admission admit(Admission.CallId id) {
        OrgId org = id.org();
        JobRequest request = id.request();
        Preparing so = new Preparing(id, job.records);
        try (Mdc ignored = Mdc.of(org, id.correlationId())) {
            so.step = "read the org's setup";
            if (request.template() != null || request.templateName() != null) {                   // 2. template
                so.prompt = PromptTemplate.render(templateText(org, request), request.context());
            }
            if (request.feature() != null && !job.features.isEnabled(org, request.feature())) {    // 3. feature
                throw new ConfigurationException(ErrorCode.AI_FEATURE_DISABLED, org.value(), "feature '"
                        + request.feature() + "' is switched off for org " + org + "; an admin can switch it on");
            }
            so.step = "read the AI preferences";                                                 // 4. model
            PreferencesApplied.Choice choice = job.preferences.resolve(job.models, org, request, job.preferences.of(org, request));
            so.model = choice.model();
            so.preferences = choice.applied();
            so.systemPrompt = PreferencesApplied.systemPrompt(request, so.preferences);
            Caller caller = request.caller();
            String tier = so.model.tier() == null ? null : so.model.tier().name();
            so.guards = GuardrailCheck.of(job.guardrails.guardrails(org), org, caller, tier);      // 5. guardrails (before)
            so.model = so.guards.checkModel(so.model);
            so.step = "read the conversation";
            List<Message> history = job.conversations.history(org, request, job.records);
            so.history = history.size();
            so.messages = Messages.sent(history, request.messages(), so.prompt);
            Estimates.Input input = Estimates.input(so.model, so.systemPrompt, so.messages, request.tools(),
                    request.responseFormat());
            List<Message> checked = Messages.checked(so.messages, so.guards, input.tokens(), id.startedAt());
            if (checked != so.messages) { // a guardrail rewrote a user message
                so.messages = checked;
                so.prompt = so.prompt == null ? null : checked.get(checked.size() - 1).text();
                input = Estimates.input(so.model, so.systemPrompt, so.messages, request.tools(),
                        request.responseFormat());
            }
            Estimates.checkContextWindow(so.model, input);
            BigDecimal worstCase = Estimates.worstCase(so.model, input);
            so.guards.checkCost(worstCase);
            so.step = "check the rate limits";
            so.permit = job.rateLimiter.acquire(new RateLimitRequest(org, caller.userId(),         // 6. rate limit
                    caller.ip(), input.tokens() + so.model.maxOutputTokens())
                    .withUserRequestsPerMinuteCap(so.guards.userRequestsPerMinute()));
            so.step = "reserve against the budgets";
            so.budget = reserveBudget(id, so.model, so.guards, caller, tier, worstCase);        // 7. budget
            so.reserved = worstCase == null ? BigDecimal.ZERO : worstCase;
            job.calls.client(org, so.model.ref().provider());                                           //    (a client exists)
            so.step = "read the provider key";
            StoredKey stored = job.keyChecks.storedKey(org, so.model.ref().provider());                            // 8. key
            so.key = stored.key();
            so.verificationDue = job.keyChecks.isDue(stored.lastVerifiedAt(), id.startedAt());
            so.step = "record the start of the call";
            Admission admitted = so.admission();
            job.usage.started(job.records.started(admitted));                                          // 9. record start
            return admitted;
        } catch (AiTenancyException e) {
            e.attachOrg(org.value());
            job.records.refused(so.admission(), e);
            throw e;
        } catch (RuntimeException | Error storeFailure) { // an Error too (a store's missing class): never raw
            StoreException e = CallFailures.storeFailure(id, so.step, storeFailure);
            job.records.refused(so.admission(), e);
            throw e;
        }
    }

    private String templateText(OrgId org, JobRequest request) {
        if (request.templateName() != null && job.templates == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "the request names template '"
                    + request.templateName() + "' but this LLMJob has no TemplateStore; add one to its builder");
        }
        return request.templateName() == null ? request.template()
                : job.templates.text(org, request.templateName(), request.templateVersion());
    }

    /**
     * Step 7: reserves the worst case ({@code null}: unpriced) against every budget that applies. A
     * refusal because the model has no price names the model; soft budgets the call may overrun, or
     * that cannot count it, become warnings in its result and record.
     */
    BudgetReservation reserveBudget(Admission.CallId id, ResolvedModel model, GuardrailCheck guards,
            Caller caller, String tier, BigDecimal worstCase) {
        BudgetReservation reservation;
        try {
            reservation = job.budgets.reserve(id.recordId(), id.org(), caller, tier, worstCase);
        } catch (BudgetExceededException e) {
            throw BudgetPeriods.namingModel(e, model.ref().toString());
        }
        for (Budget b : reservation.softBudgetsOverrun()) {
            if (worstCase == null && !b.allowUnpriced()) {
                guards.warnUnpricedSoftBudget(b, model.ref().toString());
            } else {
                guards.warnSoftBudget(b);
            }
        }
        return reservation;
    }

    // ---- builder -----------------------------------------------------------------------------------

}
