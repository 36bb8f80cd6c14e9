package dev.aitenancy;

import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.internal.Ids;
import dev.aitenancy.internal.TokenCounter;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.preferences.EffectivePreferences;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.tenant.OrgRefs;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link LLMJob#embed} and {@link LLMJob#embedAsync}: the path of one embeddings call, with the
 * governance of a chat call (design.md §3) and the same parts — the catalog resolves the model
 * (allowlist, tiers, denylist), the guardrails check the model and every input, the rate limiter
 * is charged the input estimate, the budgets reserve its worst case (input tokens at the input
 * price: there is no output), the org's own key is read (and re-verified when due), a started and
 * a finished usage record ({@code operation} {@link UsageRecord#EMBEDDINGS}) are written, and the
 * permit and the reservation settle to the tokens used.
 *
 * <p>Differences from a chat call: the model must not be one the registry knows as a chat model;
 * there are no fallbacks (another model's vectors would not be comparable with the ones the host
 * already stores); no output guardrails (there is no text to check).
 */
final class EmbeddingCalls {

    /** Step 7 as {@code LLMJob} takes it: the worst case reserved against every budget that applies. */
    @FunctionalInterface
    interface BudgetStep {
        BudgetReservation reserve(Admission.CallId id, ResolvedModel model, GuardrailCheck guards, Caller caller,
                String tier, BigDecimal worstCase);
    }

    private final ModelCatalog models;
    private final FeatureFlags features;
    private final Guardrails guardrails;
    private final RateLimiter rateLimiter;
    private final BudgetStep budgets;
    private final KeyChecks keyChecks;
    private final ProviderCalls calls;
    private final CallRecords records;
    private final UsageSink usage;
    private final Clock clock;

    EmbeddingCalls(ModelCatalog models, FeatureFlags features, Guardrails guardrails, RateLimiter rateLimiter,
            BudgetStep budgets, KeyChecks keyChecks, ProviderCalls calls, CallRecords records, UsageSink usage,
            Clock clock) {
        this.models = models;
        this.features = features;
        this.guardrails = guardrails;
        this.rateLimiter = rateLimiter;
        this.budgets = budgets;
        this.keyChecks = keyChecks;
        this.calls = calls;
        this.records = records;
        this.usage = usage;
        this.clock = clock;
    }

    /** What one call has decided and holds; the parts after the refusal point stay empty. */
    private static final class Call {
        final Admission.CallId id;
        final EmbeddingRequest request;
        String step = "read the org's setup";
        ResolvedModel model;
        GuardrailCheck guards = GuardrailCheck.none();
        List<String> inputs;
        RateLimitPermit permit = RateLimitPermit.NONE;
        BudgetReservation budget = BudgetReservation.NONE;
        BigDecimal reserved = BigDecimal.ZERO;
        long estimate;
        ApiKey key;
        boolean verificationDue;
        Boolean storesText;
        String storedInput;
        volatile boolean providerCalled;
        final AtomicBoolean settled = new AtomicBoolean();

        Call(Admission.CallId id, EmbeddingRequest request) {
            this.id = id;
            this.request = request;
            this.inputs = request.inputs();
        }

        OrgId org() {
            return id.org();
        }

        /** The admission {@link KeyChecks} reads: the model, the key and whether it is due for a check. */
        Admission admission() {
            return new Admission(id, null, List.of(), 0, null, EffectivePreferences.NONE, model, guards, permit, budget,
                    reserved, key, verificationDue,
                    Boolean.TRUE.equals(storesText), storedInput);
        }
    }

    /** {@link LLMJob#embed}: admits on this thread, runs the provider exchange on it too, and waits. */
    EmbeddingResult embed(EmbeddingRequest request) {
        return Blocking.run(() -> embedAsync(request));
    }

    /** {@link LLMJob#embedAsync}: admits on this thread (a refusal fails the future at once). */
    CompletableFuture<EmbeddingResult> embedAsync(EmbeddingRequest request) {
        Call c;
        try {
            c = admit(request);
        } catch (AiTenancyException e) {
            return CompletableFuture.failedFuture(e);
        }
        ProviderClient client = calls.client(c.org(), c.model.ref().provider());
        calls.traces().attempt(c.id.recordId(), c.model.ref().provider(), c.model.ref().model(), 1); // ends with the call
        ProviderEmbeddingRequest sent = new ProviderEmbeddingRequest(c.org().value(), c.model.ref().model(), c.inputs,
                c.key, c.id.correlationId(), request.timeout(), request.inputType(), request.dimensions());
        CompletableFuture<EmbeddingResult> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<ProviderEmbeddingResponse>> inFlight = new AtomicReference<>();
        CompletableFuture<ProviderEmbeddingResponse> answer = keyChecks.verifyIfDue(c.admission()).thenCompose(v -> {
            c.providerCalled = true;
            CompletableFuture<ProviderEmbeddingResponse> batches = client.embed(sent);
            inFlight.set(batches);
            if (result.isCancelled()) {
                batches.cancel(true);
            }
            return batches;
        });
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                CompletableFuture<ProviderEmbeddingResponse> batches = inFlight.get();
                if (batches != null) {
                    batches.cancel(true); // stops the batch in flight; no later batch starts
                }
                answer.cancel(true);
                finish(c, UsageStatus.CANCELED, TokenUsage.UNKNOWN, new CanceledException(
                        ErrorCode.AI_CANCELED, c.org().value(), "the call was canceled by its caller"), null);
            }
        });
        answer.whenComplete((response, failure) -> {
            try {
                if (failure == null) {
                    result.complete(answered(c, response));
                } else {
                    AiTenancyException e = CallFailures.asAiException(failure);
                    e.attachOrg(c.org().value());
                    finish(c, e instanceof CanceledException ? UsageStatus.CANCELED : UsageStatus.ERROR,
                            TokenUsage.UNKNOWN, e, null);
                    result.completeExceptionally(e);
                }
            } catch (Throwable unexpected) { // never leave the caller waiting
                AiTenancyException e = CallFailures.asAiException(unexpected);
                e.attachOrg(c.org().value());
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Steps 1-9, as {@code LLMJob.prepare} takes them for a chat call; a refusal is recorded and thrown. */
    private Call admit(EmbeddingRequest request) {
        OrgId org = OrgRefs.resolve(request.org());                                               // 1. who
        Instant now = clock.instant();
        UUID recordId = Ids.timeOrdered(now.toEpochMilli());
        Call c = new Call(new Admission.CallId(org, null, request.correlationId() != null ? request.correlationId()
                : recordId.toString(), now, recordId), request);
        calls.traces().start(recordId, UsageRecord.EMBEDDINGS, org, c.id.correlationId());
        Caller caller = request.caller();
        try (Mdc ignored = Mdc.of(org, c.id.correlationId())) {
            if (request.feature() != null && !features.isEnabled(org, request.feature())) {      // 3. feature
                throw new ConfigurationException(ErrorCode.AI_FEATURE_DISABLED, org.value(), "feature '"
                        + request.feature() + "' is switched off for org " + org + "; an admin can switch it on");
            }
            c.model = models.resolve(org, caller, new ModelRequest(request.feature(), request.provider(),  // 4. model
                    request.model(), null));
            requireEmbeddingModel(org, c.model);
            String tier = c.model.tier() == null ? null : c.model.tier().name();
            c.guards = GuardrailCheck.of(guardrails.guardrails(org), org, caller, tier);           // 5. guardrails
            c.model = c.guards.checkModel(c.model);
            c.estimate = inputTokens(c.model, c.inputs);
            List<String> checked = c.guards.checkInputs(c.inputs, c.estimate, now);
            if (!checked.equals(c.inputs)) { // a content filter masked something
                c.inputs = List.copyOf(checked);
                c.estimate = inputTokens(c.model, c.inputs);
            }
            BigDecimal worstCase = worstCase(c.model, c.estimate);
            c.guards.checkCost(worstCase);
            c.step = "check the rate limits";
            c.permit = rateLimiter.acquire(new RateLimitRequest(org, caller.userId(), caller.ip(),      // 6. rate limit
                    c.estimate).withUserRequestsPerMinuteCap(c.guards.userRequestsPerMinute()));
            c.step = "reserve against the budgets";
            c.budget = budgets.reserve(c.id, c.model, c.guards, caller, tier, worstCase);            // 7. budget
            c.reserved = worstCase == null ? BigDecimal.ZERO : worstCase;
            calls.client(org, c.model.ref().provider());                                             //    (a client exists)
            c.step = "read the provider key";
            StoredKey stored = keyChecks.storedKey(org, c.model.ref().provider());                  // 8. key
            c.key = stored.key();
            c.verificationDue = keyChecks.isDue(stored.lastVerifiedAt(), now);
            c.step = "record the start of the call";
            keepText(c);
            usage.started(record(c, UsageStatus.STARTED).build());                                 // 9. record start
            return c;
        } catch (AiTenancyException e) {
            e.attachOrg(org.value());
            finish(c, UsageStatus.ERROR, TokenUsage.UNKNOWN, e, null);
            throw e;
        } catch (RuntimeException | Error storeFailure) { // an Error too (a store's missing class): never raw
            StoreException e = CallFailures.storeFailure(c.id, c.step, storeFailure);
            finish(c, UsageStatus.ERROR, TokenUsage.UNKNOWN, e, null);
            throw e;
        }
    }

    /**
     * Refuses a model the registry knows as a chat model; a model the registry does not know (a
     * compatible endpoint's own, say) is the org's to vouch for.
     */
    private static void requireEmbeddingModel(OrgId org, ResolvedModel model) {
        if (model.spec() != null && !model.spec().isEmbedding()) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "model " + model.ref()
                    + " is a chat model, not an embedding model; name an embedding model (for example "
                    + "openai/text-embedding-3-small) in the request, or set the feature's preference to one");
        }
    }

    /**
     * The input tokens of every input: counted exactly with the model's tokenizer for OpenAI's
     * {@code text-embedding-*} models (cl100k_base), else estimated at 4 characters a token, rounded
     * up, per input (what the provider client estimates for Gemini, which reports no counts).
     */
    static long inputTokens(ResolvedModel model, List<String> inputs) {
        TokenCounter counter = Estimates.Tokenizers.of(model.ref().provider(), model.ref().model());
        long n = 0;
        for (String input : inputs) {
            n += counter == null ? Estimates.tokens(input) : counter.count(input);
        }
        return n;
    }

    /** The most the call can be billed: the input tokens at the rates it is billed at; null when unpriced. */
    private static BigDecimal worstCase(ResolvedModel model, long inputTokens) {
        Cost billed = billed(model, TokenUsage.of(inputTokens, 0));
        return billed.isPriced() ? billed.amount() : null;
    }

    private static Cost cost(ResolvedModel model, TokenUsage tokens) {
        ModelSpec spec = model == null ? null : model.spec();
        return spec != null ? spec.cost(tokens) : Cost.unpriced();
    }

    private static Cost billed(ResolvedModel model, TokenUsage tokens) {
        Cost cost = cost(model, tokens);
        return model == null ? cost : model.billed(tokens, cost);
    }

    /** Steps 12-14 for the provider's vectors. */
    private EmbeddingResult answered(Call c, ProviderEmbeddingResponse response) {
        if (response.vectors().size() != c.inputs.size()) {
            ProviderException e = ProviderException.builder(ErrorCode.AI_PROVIDER_PROTOCOL, c.model.ref().provider()
                    + " answered " + response.vectors().size() + " vectors for " + c.inputs.size() + " inputs; try "
                    + "again, and tell the operator if it persists").org(c.org().value())
                    .provider(c.model.ref().provider().name()).build();
            finish(c, UsageStatus.ERROR, TokenUsage.UNKNOWN, e, null);
            throw e;
        }
        boolean estimated = response.tokensEstimated() || response.inputTokens() == null;
        TokenUsage tokens = TokenUsage.of(response.inputTokens() != null ? response.inputTokens() : c.estimate, 0);
        Instant now = clock.instant();
        int dimensions = response.vectors().isEmpty() ? 0 : response.vectors().get(0).length;
        String summary = response.vectors().size() + " vectors of " + dimensions + " dimensions"
                + (estimated ? "; input tokens estimated at 4 characters a token (the provider reports none)" : "");
        UUID id = finish(c, UsageStatus.OK, tokens, null, summary);
        Cost cost = cost(c.model, tokens);
        return new EmbeddingResult(response.vectors(), c.model.ref().provider(), c.model.ref().model(), tokens,
                estimated, cost, c.model.billed(tokens, cost), Duration.between(c.id.startedAt(), now),
                c.id.correlationId(), id, c.guards.outcomes());
    }

    /** The record of the call so far, as its started record says it. */
    private UsageRecord.Builder record(Call c, UsageStatus status) {
        Caller caller = c.request.caller();
        ResolvedModel m = c.model;
        return UsageRecord.builder(c.id.recordId(), c.org().value(), c.id.startedAt())
                .operation(UsageRecord.EMBEDDINGS)
                .userId(caller.userId()).groupId(UsageRecord.groupIdOf(caller))
                .provider(m == null ? null : m.ref().provider().name()).model(m == null ? null : m.ref().model())
                .feature(c.request.feature()).tier(m == null || m.tier() == null ? null : m.tier().name())
                .status(status).billed(held(c)).correlationId(c.id.correlationId())
                .guardrails(c.guards.summary()).inputText(c.storedInput);
    }

    private static Cost held(Call c) {
        return c.reserved.signum() > 0 ? Cost.usd(c.reserved) : Cost.unpriced();
    }

    /**
     * What the org is charged, as for a chat call: the billed cost when the tokens are known;
     * nothing when no request reached the provider (refused before, the provider has no
     * embeddings API) or it refused the request with an HTTP error; otherwise (a timeout, a cancel,
     * a batch failing after others were answered) the worst case reserved.
     */
    private static Cost charged(Call c, Cost billed, AiTenancyException error) {
        if (billed.isPriced() || !c.providerCalled || error instanceof ConfigurationException) {
            return billed;
        }
        if (error instanceof ProviderException pe && pe.httpStatus() >= 400) {
            return billed;
        }
        return held(c);
    }

    /** Whether the org keeps text, and the inputs as its records keep them: one per line, redacted, truncated. */
    private void keepText(Call c) {
        c.storesText = records.storesText(c.org());
        c.storedInput = records.stored(c.storesText, String.join("\n", c.inputs), c.key);
    }

    /** Writes the call's one finished record with its settlement; later attempts are ignored. */
    private UUID finish(Call c, UsageStatus status, TokenUsage tokens, AiTenancyException error, String summary) {
        UUID recordId = c.id.recordId();
        if (!c.settled.compareAndSet(false, true)) {
            return recordId;
        }
        if (c.storesText == null) {
            keepText(c);
        }
        Cost cost = cost(c.model, tokens);
        Cost billed = charged(c, c.model == null ? cost : c.model.billed(tokens, cost), error);
        UsageRecord finished = record(c, status).build().finish(status, tokens, cost, billed,
                error == null ? null : error.code().name(), error == null ? null : error.getMessage(),
                records.stored(c.storesText, summary, c.key), clock.instant());
        records.write(c.org(), finished, c.permit, c.budget);
        return recordId;
    }
}
