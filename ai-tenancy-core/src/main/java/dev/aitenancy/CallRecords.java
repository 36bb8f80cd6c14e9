package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.Redactor;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageTextPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 9 and 11–13 of a call: its started record, the guardrails on its answer, and its one
 * finished record, written with the settlement of its budget reservation as one unit.
 */
final class CallRecords {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private final UsageSink usage;
    private final CallObserver observer;
    private final Clock clock;
    private final Redactor redactor;
    private final UsageTextPolicy textPolicy;
    private final Conversations conversations;
    private final Traces traces;

    CallRecords(UsageSink usage, CallObserver observer, Clock clock, Redactor redactor, UsageTextPolicy textPolicy,
            Conversations conversations, Traces traces) {
        this.conversations = conversations;
        this.traces = traces;
        this.usage = usage;
        this.observer = observer;
        this.clock = clock;
        this.redactor = redactor;
        this.textPolicy = textPolicy;
    }

    /** Whether the org keeps text in its records; none (and a warning) when that cannot be read. */
    boolean storesText(OrgId org) {
        try {
            return textPolicy.storesText(org);
        } catch (RuntimeException e) {
            LOG.warn("could not read whether org {} stores usage text; storing none", org, e);
            return false;
        }
    }

    /**
     * The input a call's records keep: its prompt alone when that is all it sends, else its own
     * messages (not a conversation's history), one per line as {@code role: text}; before they are
     * known, what named the template.
     */
    String storedInput(boolean storesText, JobRequest request, String prompt, List<Message> sent, ApiKey key) {
        if (!storesText) {
            return null;
        }
        String text;
        if (sent.size() == 1 && prompt != null) {
            text = prompt;
        } else if (!sent.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (Message m : sent) {
                b.append(b.length() > 0 ? "\n" : "").append(m.role().name().toLowerCase(Locale.ROOT)).append(": ")
                        .append(m.text());
                m.images().forEach(i -> b.append(" [image]"));
                m.toolCalls().forEach(c -> b.append(" [tool call ").append(c.name()).append(']'));
            }
            text = b.toString();
        } else {
            text = prompt != null ? prompt : request.template() != null ? request.template()
                    : request.templateName() != null ? "template " + request.templateName() : "messages";
        }
        return stored(true, text, key);
    }

    /** {@code text} as a record keeps it (redacted, truncated, the key masked), or null when the org stores none. */
    String stored(boolean storesText, String text, ApiKey key) {
        return storesText ? redactor.redact(text, key == null ? null : key.reveal()) : null;
    }

    /** Step 9: the record written before the provider is called. */
    UsageRecord started(Admission a) {
        return record(a, a.model(), UsageStatus.STARTED);
    }

    /**
     * Steps 11–13 for a provider's answer: guardrails on it, the JSON check when the request asked
     * for JSON, its record, its conversation, and the result.
     */
    JobResult answered(Admission a, CallProgress p, ProviderResponse response) {
        String text;
        try {
            text = a.guards().checkOutput(response.text());                                    // 11. guardrails (after)
        } catch (GuardrailBlockedException blocked) {
            throw failed(a, p, blocked, response.usage(), null);
        }
        OutputInvalidException invalid = JsonAnswers.check(a, response, text);
        if (invalid != null) {
            throw failed(a, p, invalid, response.usage(), text);
        }
        Instant now = clock.instant();
        ResolvedModel m = p.currentModel();
        Cost cost = m.spec() != null ? m.spec().cost(response.usage()) : Cost.unpriced();
        UUID id = finish(a, p, UsageStatus.OK, response.usage(), null, withToolCalls(text, response),
                response.toolCalls().isEmpty() ? null : String.join(",",
                        response.toolCalls().stream().map(ToolCall::name).toList()), response.providerModel(), now);
        conversations.append(a, text, response.toolCalls(), id);
        return new JobResult(text, m.ref().provider(), m.ref().model(), response.usage(), cost,
                m.billed(response.usage(), cost), Duration.between(a.id().startedAt(), now), a.id().correlationId(),
                response.finishReason(), id, a.guards().outcomes(), response.toolCalls());
    }

    /** Records a failure after the provider was called, with what was seen of the answer. */
    /** The answer as its record keeps it: the text, then each tool call asked for with its arguments. */
    private static String withToolCalls(String text, ProviderResponse response) {
        if (response.toolCalls().isEmpty()) {
            return text;
        }
        StringBuilder b = new StringBuilder(text);
        response.toolCalls().forEach(c -> b.append(b.length() > 0 ? "\n" : "").append("[tool call ").append(c.name())
                .append(' ').append(c.argumentsJson()).append(']'));
        return b.toString();
    }

    AiTenancyException failed(Admission a, CallProgress p, AiTenancyException error, TokenUsage seen,
            String partialText) {
        error.attachOrg(a.org().value());
        finish(a, p, error instanceof CanceledException ? UsageStatus.CANCELED : UsageStatus.ERROR, seen, error,
                partialText, clock.instant());
        return error;
    }

    void canceled(Admission a, CallProgress p, TokenUsage seen, String partialText) {
        finish(a, p, UsageStatus.CANCELED, seen, new CanceledException(ErrorCode.AI_CANCELED, a.org().value(),
                "the call was canceled by its caller"), partialText, clock.instant());
    }

    /** The record of a call refused before its provider was called. */
    void refused(Admission a, AiTenancyException e) {
        finish(a, new CallProgress(a), UsageStatus.ERROR, TokenUsage.UNKNOWN, e, null, clock.instant());
    }

    private UsageRecord record(Admission a, ResolvedModel m, UsageStatus status) {
        return recordBuilder(a, m, status).build();
    }

    private UsageRecord.Builder recordBuilder(Admission a, ResolvedModel m, UsageStatus status) {
        JobRequest request = a.request();
        return UsageRecord.builder(a.id().recordId(), a.org().value(), a.id().startedAt())
                .userId(request.caller().userId()).groupId(UsageRecord.groupIdOf(request.caller()))
                .provider(m == null ? null : m.ref().provider().name()).model(m == null ? null : m.ref().model())
                .feature(request.feature()).tier(m == null || m.tier() == null ? null : m.tier().name())
                .status(status).billed(held(a)).correlationId(a.id().correlationId())
                .guardrails(a.guards().summary()).inputText(a.storedInput())
                .preferences(a.preferences() == null ? null : a.preferences().applied());
    }

    /** While a call runs its record bills what it holds against the budgets (unpriced when nothing). */
    private static Cost held(Admission a) {
        return a.reserved().signum() > 0 ? Cost.usd(a.reserved()) : Cost.unpriced();
    }

    /**
     * What the org is charged, which the record bills and the budgets settle to: the billed cost
     * when the tokens are known; nothing when the provider was never called or refused the request
     * with an error status (providers do not bill those); otherwise (no usage reported, a timeout,
     * a cut stream, a cancel) the worst case the call reserved.
     */
    private static Cost charged(Admission a, CallProgress p, Cost billed, AiTenancyException error) {
        if (billed.isPriced() || !p.wasProviderCalled()) {
            return billed;
        }
        if (error instanceof ProviderException pe && pe.httpStatus() >= 400) {
            return billed;
        }
        return held(a);
    }

    /** Writes the one finished record of the call, with its settlement; later attempts are ignored. */
    private UUID finish(Admission a, CallProgress p, UsageStatus status, TokenUsage tokens, AiTenancyException error,
            String output, Instant now) {
        return finish(a, p, status, tokens, error, output, null, null, now);
    }

    private UUID finish(Admission a, CallProgress p, UsageStatus status, TokenUsage tokens, AiTenancyException error,
            String output, String toolNames, String responseModel, Instant now) {
        UUID recordId = a.id().recordId();
        if (!p.settleOnce()) {
            return recordId;
        }
        ResolvedModel m = p.currentModel();
        Cost cost = m != null && m.spec() != null ? m.spec().cost(tokens) : Cost.unpriced();
        Cost billed = charged(a, p, m == null ? cost : m.billed(tokens, cost), error);
        UsageRecord finished = recordBuilder(a, m, status).finish(status, tokens, cost, billed,
                        error == null ? null : error.code().name(), error == null ? null : error.getMessage(),
                        stored(a.storesText(), output, p.key()), now)
                .toolCalls(toolNames).responseModel(responseModel).build();
        write(a.org(), finished, a.permit(), a.budget());
        return recordId;
    }

    /**
     * Writes a finished record (of a chat or an embeddings call): corrects the permit's token count
     * when the tokens are known, hands the record to the sink with the settlement of its budget
     * reservation (one unit), and tells the observer. Never throws: a failing limiter, sink or
     * observer is logged.
     */
    void write(OrgId org, UsageRecord finished, RateLimitPermit permit, BudgetReservation budget) {
        UUID recordId = finished.id();
        try (Mdc ignored = Mdc.of(org, finished.correlationId())) {
            if (finished.usage().isKnown()) {
                try {
                    permit.settle(finished.usage().totalTokens());
                } catch (RuntimeException | Error limiterFailure) {
                    LOG.warn("could not correct the token count of call {} of org {}", recordId, org, limiterFailure);
                }
            }
            try {
                usage.finished(finished, budget);                                              // 12 + 13, one unit
            } catch (RuntimeException | Error sinkFailure) { // host code: an Error must not hang a stream
                LOG.error("could not record usage {} of org {}", recordId, org, sinkFailure);
            }
            try {
                observer.finished(finished);
            } catch (RuntimeException | Error observerFailure) {
                LOG.warn("the call observer failed on {}", recordId, observerFailure);
            }
            traces.end(finished);
            LOG.debug("call {} {} {} {} in {} ms: {}", finished.operation(), finished.provider(), finished.model(),
                    finished.status().wireName(), finished.latency() == null ? 0 : finished.latency().toMillis(),
                    finished.errorCode() == null ? "ok" : finished.errorCode());
        }
    }
}
