package dev.aitenancy;

import dev.aitenancy.internal.Secrets;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.limits.internal.BudgetPeriods;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.anthropic.AnthropicClient;
import dev.aitenancy.provider.cohere.CohereClient;
import dev.aitenancy.provider.gemini.GeminiClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.tenant.OrgRefs;
import dev.aitenancy.template.PromptTemplate;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.usage.Redactor;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import dev.aitenancy.usage.UsageTextPolicy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one entry point: renders a prompt, resolves the org's model, enforces its limits, uses the
 * org's own key, calls the provider and records the call for the org.
 *
 * <pre>{@code
 * JobResult r = llm.run("Summarize {{topic}} in 3 bullets", org, Map.of("topic", "Q3 sales"));
 * }</pre>
 *
 * Built once with {@link #builder()}, thread safe, and holds no thread per call: {@link #runAsync}
 * and {@link #stream} return at once while the JDK HttpClient does the waiting.
 */
public final class LLMJob {

    /** MDC key holding the org id while the library works on a call. */
    public static final String MDC_ORG = "aiTenancy.org";
    /** MDC key holding the correlation id while the library works on a call. */
    public static final String MDC_CORRELATION_ID = "aiTenancy.correlationId";

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);
    private static final Set<ErrorCode> FALLBACK_ON = Set.of(ErrorCode.AI_PROVIDER_UNAVAILABLE,
            ErrorCode.AI_PROVIDER_OVERLOADED, ErrorCode.AI_PROVIDER_TIMEOUT, ErrorCode.AI_PROVIDER_RATE_LIMITED,
            ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED);

    private final KeyStore keys;
    private final ModelCatalog models;
    private final RateLimiter rateLimiter;
    private final UsageSink usage;
    private final Map<ProviderId, ProviderClient> providers;
    private final Clock clock;
    private final Redactor redactor;
    private final Duration reverifyKeysAfter;
    private final FeatureFlags features;
    private final CallObserver observer;
    private final BudgetLedger budgets;
    private final TemplateStore templates;
    private final GuardrailStore guardrails;
    private final UsageTextPolicy textPolicy;
    private final Map<ModelKeySlot, CompletableFuture<Void>> verifying = new ConcurrentHashMap<>();

    private record ModelKeySlot(OrgId org, ProviderId provider) {
    }

    private LLMJob(Builder b) {
        this.keys = Objects.requireNonNull(b.keys, "keyStore is required");
        this.models = Objects.requireNonNull(b.models, "modelCatalog is required");
        this.clock = b.clock;
        this.rateLimiter = b.rateLimiter != null ? b.rateLimiter
                : new InMemoryRateLimiter(clock, dev.aitenancy.limits.RateLimitPolicy.DEFAULT);
        this.usage = b.usage != null ? b.usage : new InMemoryUsageSink();
        this.providers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.providers));
        this.redactor = new Redactor(b.maxStoredTextBytes);
        this.reverifyKeysAfter = b.reverifyKeysAfter;
        this.features = b.features;
        this.observer = b.observer;
        this.budgets = b.budgets;
        this.templates = b.templates;
        this.guardrails = b.guardrails;
        this.textPolicy = b.textPolicy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The providers this job has clients for, in the order they were registered. */
    public Set<ProviderId> providerIds() {
        return providers.keySet();
    }

    /** The usage sink calls are recorded in. */
    public UsageSink usageSink() {
        return usage;
    }

    // ---- public API ----------------------------------------------------------------------------

    /**
     * Runs a prompt template for an org and waits for the answer.
     *
     * @param org a {@code String} or {@code UUID} id, an {@link dev.aitenancy.tenant.OrgRef} or a JPA
     *            entity with an {@code @Id}
     * @throws AiTenancyException with a stable code saying what went wrong and what to do
     */
    public JobResult run(String template, Object org, Map<String, ?> context) {
        return run(JobRequest.builder(org, template).context(context).build());
    }

    /** Runs a request and waits for the answer; an interrupt cancels the call. */
    public JobResult run(JobRequest request) {
        CompletableFuture<JobResult> f = runAsync(request);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new CanceledException(ErrorCode.AI_CANCELED, null, "the calling thread was interrupted");
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /**
     * Runs a request without blocking. The future fails with an {@link AiTenancyException};
     * canceling it cancels the provider call and records it as canceled.
     */
    public CompletableFuture<JobResult> runAsync(JobRequest request) {
        Call call;
        try {
            call = prepare(request);
        } catch (AiTenancyException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<JobResult> result = new CompletableFuture<>();
        CompletableFuture<ProviderResponse> answer = verifyIfDue(call).thenCompose(v -> callProvider(call));
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                if (call.inFlight != null) {
                    call.inFlight.cancel(true);
                }
                answer.cancel(true);
                call.settleCanceled(TokenUsage.UNKNOWN, null);
            }
        });
        answer.whenComplete((response, failure) -> {
            try {
                result.complete(call.settle(response, failure));
            } catch (AiTenancyException e) {
                result.completeExceptionally(e);
            } catch (Throwable unexpected) { // never leave the caller waiting
                AiTenancyException e = asAiException(unexpected);
                e.attachOrg(call.org.value());
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Streams a request's answer to {@code handler}: {@link JobEvent.Token}s and
     * {@link JobEvent.Usage}s, then one {@link JobEvent.Done} or {@link JobEvent.Error}. Events
     * arrive one at a time on HTTP client threads (or on this thread when the call is refused at
     * once). A handler that throws cancels the stream.
     */
    public StreamHandle stream(JobRequest request, Consumer<? super JobEvent> handler) {
        Objects.requireNonNull(handler, "handler");
        StreamCall stream = new StreamCall(handler);
        try {
            stream.call = prepare(request);
        } catch (AiTenancyException e) {
            stream.fail(e);
            return stream;
        }
        verifyIfDue(stream.call).whenComplete((v, failure) -> {
            if (failure == null) {
                stream.start();
            } else {
                stream.onFailure(asAiException(unwrap(failure)));
            }
        });
        return stream;
    }

    /**
     * Checks a key with the provider's cheapest call, before it is stored. Completes normally when
     * the key works; fails with {@code AI_PROVIDER_AUTH} when it does not.
     */
    public CompletableFuture<Void> verifyKey(ProviderId provider, ApiKey key) {
        ProviderClient c = providers.get(provider);
        if (c == null) {
            return CompletableFuture.failedFuture(new ConfigurationException(ErrorCode.AI_CONFIG_NO_PROVIDER, null,
                    "no client for provider " + provider + " is registered with this LLMJob"));
        }
        return c.verify(key);
    }

    // ---- the path of one call (design.md §3) ---------------------------------------------------

    /** Steps 1-9: everything before the provider is called. Throws when the call may not go ahead. */
    private Call prepare(JobRequest request) {
        OrgId org = OrgRefs.resolve(request.org());                                           // 1. who
        String correlationId = request.correlationId() != null ? request.correlationId()
                : UUID.randomUUID().toString();
        Call call = new Call(org, request, correlationId, clock.instant());
        try (Mdc ignored = Mdc.of(org, correlationId)) {
            call.step = "read the org's setup";
            call.prompt = PromptTemplate.render(templateText(org, request), request.context()); // 2. template
            if (request.feature() != null && !features.isEnabled(org, request.feature())) {    // 3. feature
                throw new ConfigurationException(ErrorCode.AI_FEATURE_DISABLED, org.value(), "feature '"
                        + request.feature() + "' is switched off for org " + org + "; an admin can switch it on");
            }
            call.model = models.resolve(org, request.caller(), new ModelRequest(request.feature(), // 4. model
                    request.provider(), request.model(), request.maxOutputTokens()));
            Caller caller = request.caller();
            String tier = call.model.tier() == null ? null : call.model.tier().name();
            call.guards = GuardrailCheck.of(guardrails.guardrails(org), org, caller, tier);    // 5. guardrails (before)
            call.model = call.guards.checkModel(call.model);
            call.prompt = call.guards.checkInput(call.prompt, estimateTokens(call.prompt), call.startedAt);
            BigDecimal worstCase = worstCase(call.model, call.prompt);
            call.guards.checkCost(worstCase);
            call.step = "check the rate limits";
            call.permit = rateLimiter.acquire(new RateLimitRequest(org, caller.userId(),       // 6. rate limit
                    caller.ip(), estimateTokens(call.prompt) + call.model.maxOutputTokens())
                    .withUserRequestsPerMinuteCap(call.guards.userRequestsPerMinute()));
            call.step = "reserve against the budgets";
            call.budget = reserveBudget(call, caller, tier, worstCase);                        // 7. budget
            call.reserved = worstCase == null ? BigDecimal.ZERO : worstCase;
            client(org, call.model.ref().provider());                                         //    (a client exists)
            call.step = "read the provider key";
            StoredKey stored = key(org, call.model.ref().provider());                          // 8. key
            call.key = stored.key();
            call.verificationDue = isVerificationDue(stored.lastVerifiedAt(), call.startedAt);
            call.step = "record the start of the call";
            usage.started(call.record(UsageStatus.STARTED));                                   // 9. record start
            return call;
        } catch (AiTenancyException e) {
            e.attachOrg(org.value());
            call.settleRefused(e);
            throw e;
        } catch (RuntimeException | Error storeFailure) { // an Error too (a store's missing class): never raw
            StoreException e = storeFailure(call, storeFailure);
            call.settleRefused(e);
            throw e;
        }
    }

    /**
     * A failure of a store (or of any SPI implementation) as the caller sees it: typed, retryable,
     * naming the step and the org, without the SQL or driver text (kept in the cause and the log).
     */
    private static StoreException storeFailure(Call call, Throwable failure) {
        OrgId org = call.org;
        String step = call.step;
        try (Mdc ignored = Mdc.of(org, call.correlationId)) {
            LOG.warn("could not {} for org {}: {} (the StoreException's cause has the details)", step, org,
                    failure.getClass().getSimpleName());
            LOG.debug("store failure", failure);
        }
        return new StoreException(ErrorCode.AI_STORE_UNAVAILABLE, org.value(), "could not " + step + " for org "
                + org + ": a store it needs failed or did not answer in time; try again shortly", failure);
    }

    /** Step 10: the provider call, then the org's fallbacks on availability errors. */
    private CompletableFuture<ProviderResponse> callProvider(Call call) {
        ProviderClient client = client(call.org, call.currentModel().ref().provider());
        call.providerCalled = true;
        CompletableFuture<ProviderResponse> attempt = client.call(call.providerRequest());
        call.inFlight = attempt;
        return attempt.exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            if (cause instanceof ProviderException pe && call.advanceToFallback(pe)) {
                return callProvider(call);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private String templateText(OrgId org, JobRequest request) {
        if (request.templateName() == null) {
            return request.template();
        }
        if (templates == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "the request names template '"
                    + request.templateName() + "' but this LLMJob has no TemplateStore; add one to its builder");
        }
        Optional<StoredTemplate> stored = request.templateVersion() == null
                ? templates.latest(org, request.templateName())
                : templates.version(org, request.templateName(), request.templateVersion());
        return stored.map(StoredTemplate::text).orElseThrow(() -> new TemplateException(
                ErrorCode.AI_TEMPLATE_NOT_FOUND, org.value(), "org " + org + " has no template '"
                        + request.templateName() + "'" + (request.templateVersion() == null ? ""
                                : " in version " + request.templateVersion()) + "; save it first"));
    }

    /**
     * Step 8 (continued): a key never verified, or last verified longer ago than
     * {@code reverifyKeysAfter}, is checked with the provider's cheapest call before use, once per
     * (org, provider) however many calls wait for it. A refused key becomes a configuration error
     * of the org instead of a stream of provider 401s; an unreachable provider lets the call go on.
     */
    private CompletableFuture<Void> verifyIfDue(Call call) {
        if (!call.verificationDue) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return verify(call);
        } catch (RuntimeException e) { // the key store failed: the key was just read, so the call goes on
            LOG.debug("could not check the {} key of org {} ({}); calling anyway", call.model.ref().provider(),
                    call.org, e.getClass().getSimpleName());
            return CompletableFuture.completedFuture(null);
        }
    }

    private CompletableFuture<Void> verify(Call call) {
        ProviderId provider = call.model.ref().provider();
        ModelKeySlot slot = new ModelKeySlot(call.org, provider);
        CompletableFuture<Void> check = verifying.computeIfAbsent(slot, s -> verifiedMeanwhile(call, provider)
                ? CompletableFuture.completedFuture(null)
                : client(call.org, provider).verify(call.key)
                        .thenRun(() -> keys.markVerified(call.org, provider, clock.instant())));
        check.whenComplete((ok, e) -> verifying.remove(slot, check));
        return check.exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            if (cause instanceof ProviderException pe && pe.code() == ErrorCode.AI_PROVIDER_AUTH) {
                return CompletableFuture.failedFuture(new ConfigurationException(ErrorCode.AI_CONFIG_INVALID,
                        call.org.value(), "the " + provider + " key of org " + call.org
                                + " was refused when it was checked before use; replace it under providers", pe));
            }
            LOG.debug("could not check the {} key of org {} ({}); calling anyway", provider, call.org,
                    cause instanceof AiTenancyException ae ? ae.code() : cause.getClass().getSimpleName());
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Whether another call verified this very key since this call read it. */
    private boolean verifiedMeanwhile(Call call, ProviderId provider) {
        return keys.find(call.org, provider)
                .filter(k -> k.key().equals(call.key) && !isVerificationDue(k.lastVerifiedAt(), clock.instant()))
                .isPresent();
    }

    private boolean isVerificationDue(Instant lastVerifiedAt, Instant now) {
        return lastVerifiedAt == null || lastVerifiedAt.plus(reverifyKeysAfter).isBefore(now);
    }

    private StoredKey key(OrgId org, ProviderId provider) {
        return keys.find(org, provider).orElseThrow(() -> new ConfigurationException(
                ErrorCode.AI_CONFIG_MISSING_API_KEY, org.value(), "no " + provider + " API key is configured for org "
                        + org + ": add one under providers"));
    }

    private ProviderClient client(OrgId org, ProviderId provider) {
        ProviderClient c = providers.get(provider);
        if (c == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_NO_PROVIDER, org.value(), "no client for provider "
                    + provider + " is registered with this LLMJob; add one with LLMJob.builder().provider(...)");
        }
        return c;
    }

    /**
     * The most a call can be billed: the input estimate plus the output cap, at the rates it is billed
     * at (its tier's, else the list price); null when the call cannot be priced, never zero.
     */
    static BigDecimal worstCase(ResolvedModel model, String prompt) {
        TokenUsage most = TokenUsage.of(estimateTokens(prompt), model.maxOutputTokens());
        Cost billed = model.billed(most, model.spec() == null ? Cost.unpriced() : model.spec().cost(most));
        return billed.isPriced() ? billed.amount() : null;
    }

    /**
     * Step 7: reserves the worst case ({@code null}: unpriced) against every budget that applies. A
     * refusal because the model has no price names the model; soft budgets the call may overrun, or
     * that cannot count it, become warnings in its result and record.
     */
    private BudgetReservation reserveBudget(Call call, Caller caller, String tier, BigDecimal worstCase) {
        BudgetReservation reservation;
        try {
            reservation = budgets.reserve(call.recordId, call.org, caller, tier, worstCase);
        } catch (BudgetExceededException e) {
            throw BudgetPeriods.namingModel(e, call.model.ref().toString());
        }
        for (Budget b : reservation.softBudgetsOverrun()) {
            if (worstCase == null && !b.allowUnpriced()) {
                call.guards.warnUnpricedSoftBudget(b, call.model.ref().toString());
            } else {
                call.guards.warnSoftBudget(b);
            }
        }
        return reservation;
    }

    /** A rough input estimate (4 characters a token) for limits; never used for billing. */
    static long estimateTokens(String text) {
        return (text.length() + 3) / 4;
    }

    // ---- one call's state ------------------------------------------------------------------------

    /** One call from preparation to its single finished record. */
    private final class Call {
        final OrgId org;
        final JobRequest request;
        final String correlationId;
        final Instant startedAt;
        final UUID recordId = UUID.randomUUID();
        final AtomicBoolean settled = new AtomicBoolean();
        String prompt;
        ResolvedModel model;
        ApiKey key;
        boolean verificationDue;
        RateLimitPermit permit = RateLimitPermit.NONE;
        BudgetReservation budget = BudgetReservation.NONE;
        /** The worst case held against the budgets: what a call is charged when its tokens stay unknown. */
        BigDecimal reserved = BigDecimal.ZERO;
        /** The step of {@link #prepare} under way, for the message of a store failure. */
        String step;
        GuardrailCheck guards = GuardrailCheck.none();
        private Boolean storesText;
        volatile boolean providerCalled;
        private String storedInput;
        private boolean storedInputFromPrompt;
        volatile CompletableFuture<ProviderResponse> inFlight;
        private int fallbackIndex = -1;
        private Long providerDeadline;

        Call(OrgId org, JobRequest request, String correlationId, Instant startedAt) {
            this.org = org;
            this.request = request;
            this.correlationId = correlationId;
            this.startedAt = startedAt;
        }

        synchronized ResolvedModel currentModel() {
            return fallbackIndex < 0 ? model : model.fallbacks().get(fallbackIndex);
        }

        synchronized ProviderRequest providerRequest() {
            ResolvedModel m = currentModel();
            return new ProviderRequest(org.value(), m.ref().model(), request.systemPrompt(), prompt,
                    m.maxOutputTokens(), request.temperature(), key, correlationId, providerTimeout());
        }

        /** The request's timeout is one deadline for the provider step, fallbacks included. */
        private Duration providerTimeout() {
            if (request.timeout() == null) {
                return null; // each client's requestTimeout
            }
            long now = System.nanoTime();
            if (providerDeadline == null) {
                providerDeadline = now + request.timeout().toNanos();
            }
            return Duration.ofNanos(Math.max(0, providerDeadline - now));
        }

        /** Moves to the next fallback that has a key; false when the chain is used up or does not apply. */
        synchronized boolean advanceToFallback(ProviderException failure) {
            if (!FALLBACK_ON.contains(failure.code()) || settled.get()
                    || providerDeadline != null && providerDeadline - System.nanoTime() <= 0) {
                return false;
            }
            while (fallbackIndex + 1 < model.fallbacks().size()) {
                fallbackIndex++;
                ResolvedModel next = model.fallbacks().get(fallbackIndex);
                Optional<ApiKey> nextKey;
                try {
                    nextKey = keys.get(org, next.ref().provider());
                } catch (RuntimeException storeFailure) {
                    LOG.warn("could not read the {} key of org {} for a fallback ({}); not falling back",
                            next.ref().provider(), org, storeFailure.getClass().getSimpleName());
                    return false;
                }
                if (nextKey.isPresent() && providers.containsKey(next.ref().provider())) {
                    key = nextKey.get();
                    try (Mdc ignored = Mdc.of(org, correlationId)) {
                        LOG.info("{} failed with {}; falling back to {}", failure.provider(), failure.code(),
                                next.ref());
                    }
                    return true;
                }
            }
            return false;
        }

        UsageRecord record(UsageStatus status) {
            ResolvedModel m = model == null ? null : currentModel();
            return new UsageRecord(recordId, org.value(), request.caller().userId(),
                    UsageRecord.groupIdOf(request.caller()), m == null ? null : m.ref().provider().name(),
                    m == null ? null : m.ref().model(), request.feature(),
                    m == null || m.tier() == null ? null : m.tier().name(), status, TokenUsage.UNKNOWN,
                    Cost.unpriced(), held(), null, correlationId, null, null, guards.summary(), storedInput(), null,
                    startedAt, null);
        }

        /** While a call runs its record bills what it holds against the budgets (unpriced when nothing). */
        private Cost held() {
            return reserved.signum() > 0 ? Cost.usd(reserved) : Cost.unpriced();
        }

        /** The redacted input, computed once: the started and the finished record share it. */
        private String storedInput() {
            if (storedInput == null || storedInputFromPrompt != (prompt != null)) {
                storedInputFromPrompt = prompt != null;
                storedInput = stored(prompt != null ? prompt
                        : request.template() != null ? request.template() : "template " + request.templateName());
            }
            return storedInput;
        }

        /** Steps 11-14 for a provider answer or failure: records the outcome and makes the result. */
        JobResult settle(ProviderResponse response, Throwable failure) {
            if (failure != null) {
                throw fail(asAiException(unwrap(failure)), TokenUsage.UNKNOWN, null);
            }
            String text;
            try {
                text = guards.checkOutput(response.text());                                     // 11. guardrails (after)
            } catch (GuardrailBlockedException blocked) {
                throw fail(blocked, response.usage(), null);
            }
            Instant now = clock.instant();
            ResolvedModel m = currentModel();
            Cost cost = m.spec() != null ? m.spec().cost(response.usage()) : Cost.unpriced();
            UUID id = finishRecord(UsageStatus.OK, response.usage(), null, text, now);
            return new JobResult(text, m.ref().provider(), m.ref().model(), response.usage(), cost,
                    m.billed(response.usage(), cost), Duration.between(startedAt, now), correlationId,
                    response.finishReason(), id, guards.outcomes());
        }

        /** Records a failure after the provider was called, with what was seen of the answer. */
        AiTenancyException fail(AiTenancyException error, TokenUsage seen, String partialText) {
            error.attachOrg(org.value());
            finishRecord(error instanceof CanceledException ? UsageStatus.CANCELED : UsageStatus.ERROR, seen, error,
                    partialText, clock.instant());
            return error;
        }

        void settleCanceled(TokenUsage seen, String partialText) {
            finishRecord(UsageStatus.CANCELED, seen, new CanceledException(ErrorCode.AI_CANCELED, org.value(),
                    "the call was canceled by its caller"), partialText, clock.instant());
        }

        void settleRefused(AiTenancyException e) {
            finishRecord(UsageStatus.ERROR, TokenUsage.UNKNOWN, e, null, clock.instant());
        }

        /**
         * What the org is charged, which the record bills and the budgets settle to: the billed cost
         * when the tokens are known; nothing when the provider was never called or refused the
         * request with an error status (providers do not bill those); otherwise (no usage reported,
         * a timeout, a cut stream, a cancel) the worst case the call reserved.
         */
        private Cost charged(Cost billed, AiTenancyException error) {
            if (billed.isPriced() || !providerCalled) {
                return billed;
            }
            if (error instanceof ProviderException pe && pe.httpStatus() >= 400) {
                return billed;
            }
            return held();
        }

        /** Writes the one finished record of this call; later attempts are ignored. */
        private UUID finishRecord(UsageStatus status, TokenUsage tokens, AiTenancyException error, String output,
                Instant now) {
            if (!settled.compareAndSet(false, true)) {
                return recordId;
            }
            ResolvedModel m = model == null ? null : currentModel();
            Cost cost = m != null && m.spec() != null ? m.spec().cost(tokens) : Cost.unpriced();
            Cost billed = charged(m == null ? cost : m.billed(tokens, cost), error);
            UsageRecord finished = record(status).finish(status, tokens, cost, billed,
                    error == null ? null : error.code().name(), error == null ? null : error.getMessage(),
                    stored(output), now);
            try (Mdc ignored = Mdc.of(org, correlationId)) {
                if (tokens.isKnown()) {
                    try {
                        permit.settle(tokens.totalTokens());
                    } catch (RuntimeException | Error limiterFailure) {
                        LOG.warn("could not correct the token count of call {} of org {}", recordId, org,
                                limiterFailure);
                    }
                }
                try {
                    usage.finished(finished, budget);                                        // 12 + 13, one unit
                } catch (RuntimeException | Error sinkFailure) { // host code: an Error must not hang a stream
                    LOG.error("could not record usage {} of org {}", recordId, org, sinkFailure);
                }
                try {
                    observer.finished(finished);
                } catch (RuntimeException | Error observerFailure) {
                    LOG.warn("the call observer failed on {}", recordId, observerFailure);
                }
                LOG.debug("call {} {} {} in {} ms: {}", finished.provider(), finished.model(), status.wireName(),
                        finished.latency().toMillis(), error == null ? "ok" : error.code());
            }
            return recordId;
        }

        private String stored(String text) {
            if (storesText == null) { // read when the first record is written, not before the template renders
                try {
                    storesText = textPolicy.storesText(org);
                } catch (RuntimeException e) {
                    LOG.warn("could not read whether org {} stores usage text; storing none", org, e);
                    storesText = false;
                }
            }
            return storesText ? redactor.redact(text, key == null ? null : key.reveal()) : null;
        }
    }

    /** A streamed call: relays provider events to the handler and settles exactly once. */
    private final class StreamCall implements StreamHandle, ProviderStreamListener {
        private final Consumer<? super JobEvent> handler;
        private final CompletableFuture<JobResult> completion = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private Call call;
        private ProviderStream providerStream;
        private TokenUsage seenUsage = TokenUsage.UNKNOWN;
        private long deltas;
        private boolean ended;

        StreamCall(Consumer<? super JobEvent> handler) {
            this.handler = handler;
        }

        synchronized void start() {
            if (ended) {
                return;
            }
            try {
                call.providerCalled = true;
                providerStream = client(call.org, call.currentModel().ref().provider())
                        .stream(call.providerRequest(), this);
            } catch (RuntimeException e) {
                onFailure(asAiException(e));
            }
        }

        @Override
        public void onToken(String piece) {
            GuardrailBlockedException blocked;
            synchronized (this) {
                if (ended) {
                    return;
                }
                deltas++;
                text.append(piece);
                blocked = call.guards.blocksOutput() ? call.guards.blockedSoFar(text.toString()) : null;
                if (blocked == null) {
                    String prefix = call.guards.prefix();
                    if (deltas == 1 && !prefix.isEmpty()) {
                        emit(new JobEvent.Token(prefix));
                    }
                    if (!ended) { // a handler that threw on the prefix canceled the stream
                        emit(new JobEvent.Token(piece));
                    }
                    return;
                }
                // the piece that completed a blocked match is not passed on, nor is anything after it
                ended = true;
                call.fail(blocked, seenUsage.orElse(new TokenUsage(null, deltas, null)), null);
                emitQuietly(new JobEvent.Error(blocked));
                providerStream.cancel();
            }
            completion.completeExceptionally(blocked);
        }

        @Override
        public synchronized void onUsage(TokenUsage reported) {
            if (ended) {
                return;
            }
            seenUsage = reported;
            emit(new JobEvent.Usage(reported));
        }

        @Override
        public void onComplete(ProviderResponse response) {
            JobResult result;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                try {
                    result = call.settle(response, null);
                } catch (RuntimeException failure) {
                    AiTenancyException e = asAiException(failure);
                    e.attachOrg(call.org.value());
                    emitQuietly(new JobEvent.Error(e));
                    completion.completeExceptionally(e);
                    return;
                }
                String prefix = call.guards.prefix();
                String suffix = call.guards.suffix();
                if (deltas == 0 && !prefix.isEmpty()) {
                    emitQuietly(new JobEvent.Token(prefix));
                }
                if (!suffix.isEmpty()) {
                    emitQuietly(new JobEvent.Token(suffix));
                }
                emitQuietly(new JobEvent.Done(result));
            }
            completion.complete(result);
        }

        @Override
        public void onError(ProviderException error) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                if (deltas == 0 && call.advanceToFallback(error)) {
                    start();
                    return;
                }
            }
            onFailure(error);
        }

        void onFailure(AiTenancyException error) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                call.fail(error, seenUsage.orElse(deltas > 0 ? new TokenUsage(null, deltas, null) : TokenUsage.UNKNOWN),
                        text.length() > 0 ? text.toString() : null);
                emitQuietly(new JobEvent.Error(error));
            }
            completion.completeExceptionally(error);
        }

        /** Fails a call refused before the provider was called. */
        void fail(AiTenancyException error) {
            ended = true;
            emitQuietly(new JobEvent.Error(error));
            completion.completeExceptionally(error);
        }

        @Override
        public boolean cancel() {
            CanceledException canceled;
            ProviderStream running;
            synchronized (this) {
                if (ended) {
                    return false;
                }
                ended = true;
                running = providerStream;
                call.settleCanceled(seenUsage.orElse(new TokenUsage(null, deltas, null)), text.toString());
                canceled = new CanceledException(ErrorCode.AI_CANCELED, call.org.value(),
                        "the stream was canceled after " + deltas + " tokens");
                emitQuietly(new JobEvent.Error(canceled));
            }
            // outside this lock: the provider stream delivers events holding its own lock, then ours
            if (running != null) {
                running.cancel();
            }
            completion.completeExceptionally(canceled);
            return true;
        }

        @Override
        public CompletableFuture<JobResult> completion() {
            return completion;
        }

        /** Delivers a non-terminal event; a handler that throws cancels the stream. */
        private void emit(JobEvent event) {
            try {
                handler.accept(event);
            } catch (RuntimeException | Error e) { // the host's handler must not hang the stream
                LOG.warn("the stream handler threw {}; canceling the stream", e.getClass().getName());
                cancel();
            }
        }

        private void emitQuietly(JobEvent event) {
            try {
                handler.accept(event);
            } catch (RuntimeException | Error e) {
                LOG.warn("the stream handler threw {} on {}", e.getClass().getName(), event.getClass().getSimpleName());
            }
        }
    }

    // ---- small helpers ---------------------------------------------------------------------------

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static AiTenancyException asAiException(Throwable t) {
        if (t instanceof AiTenancyException e) {
            return e;
        }
        if (t instanceof CancellationException) {
            return new CanceledException(ErrorCode.AI_CANCELED, null, "the call was canceled by its caller");
        }
        LOG.warn("a call failed unexpectedly: {}", Secrets.scrub(String.valueOf(t)));
        return ProviderException.builder(ErrorCode.AI_PROVIDER_UNAVAILABLE,
                "the call failed unexpectedly; try again, and tell the operator if it persists").build();
    }

    private static RuntimeException rethrow(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof AiTenancyException e) {
            return e;
        }
        return asAiException(cause);
    }

    /** Puts the org and correlation id into the MDC and restores what was there. */
    private record Mdc(String previousOrg, String previousCorrelation) implements AutoCloseable {
        static Mdc of(OrgId org, String correlationId) {
            Mdc m = new Mdc(MDC.get(MDC_ORG), MDC.get(MDC_CORRELATION_ID));
            MDC.put(MDC_ORG, org.value());
            MDC.put(MDC_CORRELATION_ID, correlationId);
            return m;
        }

        @Override
        public void close() {
            restore(MDC_ORG, previousOrg);
            restore(MDC_CORRELATION_ID, previousCorrelation);
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }

    // ---- builder -----------------------------------------------------------------------------------

    /** Builds an {@link LLMJob}. A key store and a model catalog are required. */
    public static final class Builder {
        private KeyStore keys;
        private ModelCatalog models;
        private RateLimiter rateLimiter;
        private UsageSink usage;
        private final Map<ProviderId, ProviderClient> providers = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private int maxStoredTextBytes = Redactor.DEFAULT_MAX_BYTES;
        private Duration reverifyKeysAfter = Duration.ofDays(7);
        private FeatureFlags features = FeatureFlags.allEnabled();
        private CallObserver observer = CallObserver.NONE;
        private BudgetLedger budgets = BudgetLedger.none();
        private TemplateStore templates;
        private GuardrailStore guardrails = GuardrailStore.none();
        private UsageTextPolicy textPolicy = UsageTextPolicy.always();

        private Builder() {
        }

        /** The guardrails checked before and after every call (default: none). */
        public Builder guardrails(GuardrailStore store) {
            this.guardrails = Objects.requireNonNull(store, "guardrails");
            return this;
        }

        /** Which features each org may use (default: all). */
        public Builder featureFlags(FeatureFlags f) {
            this.features = Objects.requireNonNull(f, "featureFlags");
            return this;
        }

        /** Budgets every call reserves its worst-case cost against (default: none). */
        public Builder budgetLedger(BudgetLedger ledger) {
            this.budgets = Objects.requireNonNull(ledger, "budgetLedger");
            return this;
        }

        /** Told about every finished call, e.g. {@code new MicrometerCallObserver(meterRegistry)}. */
        public Builder observer(CallObserver o) {
            this.observer = Objects.requireNonNull(o, "observer");
            return this;
        }

        /** Where named templates come from, for {@link JobRequest#storedTemplate}. */
        public Builder templateStore(TemplateStore t) {
            this.templates = t;
            return this;
        }

        /**
         * How long a provider's acceptance of a key is trusted (default 7 days). A key never
         * verified, or verified longer ago, is checked with the provider before it is used.
         */
        public Builder reverifyKeysAfter(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("reverifyKeysAfter must be >= 0");
            }
            this.reverifyKeysAfter = d;
            return this;
        }

        public Builder keyStore(KeyStore k) {
            this.keys = k;
            return this;
        }

        public Builder modelCatalog(ModelCatalog m) {
            this.models = m;
            return this;
        }

        /** Default: {@link InMemoryRateLimiter} with 30/min per user and 60/min per IP. */
        public Builder rateLimiter(RateLimiter r) {
            this.rateLimiter = r;
            return this;
        }

        /** Default: {@link InMemoryUsageSink}. */
        public Builder usageSink(UsageSink u) {
            this.usage = u;
            return this;
        }

        /**
         * Registers clients for OpenAI, Anthropic, Gemini and Cohere at their public endpoints, each
         * with settings adjusted by {@code settings} (timeouts, retries, a shared HttpClient,
         * headers), e.g. {@code b -> b.requestTimeout(Duration.ofSeconds(30))}.
         */
        public Builder builtInProviders(UnaryOperator<ProviderSettings.Builder> settings) {
            provider(new OpenAiClient(settings.apply(OpenAiClient.defaultSettings()).build()));
            provider(new AnthropicClient(settings.apply(AnthropicClient.defaultSettings()).build()));
            provider(new GeminiClient(settings.apply(GeminiClient.defaultSettings()).build()));
            provider(new CohereClient(settings.apply(CohereClient.defaultSettings()).build()));
            return this;
        }

        /** {@link #builtInProviders(UnaryOperator)} with default settings. */
        public Builder builtInProviders() {
            return builtInProviders(UnaryOperator.identity());
        }

        /** Registers a provider client under its {@link ProviderClient#id()}, replacing one of the same id. */
        public Builder provider(ProviderClient client) {
            providers.put(client.id(), client);
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Most bytes of input/output text kept per usage record after redaction (default 8 KiB);
         * 0 keeps no text at all.
         */
        public Builder maxStoredTextBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxStoredTextBytes must be >= 0");
            }
            this.maxStoredTextBytes = bytes;
            return this;
        }

        /**
         * Which orgs keep prompt and answer text (redacted, truncated) in their usage records
         * (default: all), e.g. {@code db.usageTextSettings()} which admins switch per org.
         */
        public Builder usageTextPolicy(UsageTextPolicy policy) {
            this.textPolicy = Objects.requireNonNull(policy, "usageTextPolicy");
            return this;
        }

        public LLMJob build() {
            return new LLMJob(this);
        }
    }
}
