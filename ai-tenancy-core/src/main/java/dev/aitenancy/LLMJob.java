package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.internal.Ids;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.BudgetReservation;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.CallerRuns;
import dev.aitenancy.spi.BudgetPeriods;
import dev.aitenancy.template.PromptTemplate;
import dev.aitenancy.template.Templates;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.tenant.OrgRefs;
import dev.aitenancy.usage.Redactor;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageTextPolicy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
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
 * Built once with {@link #builder()}, thread safe, and starts no thread per call. {@link #runAsync}
 * and {@link #stream} admit the call on the calling thread (rate limits, budgets, the started
 * record: microseconds in memory, a few database round trips on JDBC stores) and return while the
 * provider answers; {@link #run(JobRequest)} also runs the provider exchange on the calling thread.
 */
public final class LLMJob {

    /** MDC key holding the org id while the library works on a call. */
    public static final String MDC_ORG = "aiTenancy.org";
    /** MDC key holding the correlation id while the library works on a call. */
    public static final String MDC_CORRELATION_ID = "aiTenancy.correlationId";

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private final ProviderKeys keys;
    private final ModelCatalog models;
    private final RateLimiter rateLimiter;
    private final UsageSink usage;
    private final ProviderCalls calls;
    private final Set<ProviderId> providerIds;
    private final Clock clock;
    private final FeatureFlags features;
    private final BudgetLedger budgets;
    private final Templates templates;
    private final Guardrails guardrails;
    private final CallRecords records;
    private final KeyChecks keyChecks;
    private final Conversations conversations;
    private final PreferencesApplied preferences;

    private final EmbeddingCalls embeddings;

    private LLMJob(Builder b) {
        this.keys = Objects.requireNonNull(b.keys, "keyStore is required");
        this.models = Objects.requireNonNull(b.models, "modelCatalog is required");
        this.clock = b.clock;
        this.rateLimiter = b.rateLimiter != null ? b.rateLimiter
                : new InMemoryRateLimiter(clock, dev.aitenancy.limits.RateLimitPolicy.DEFAULT);
        this.usage = b.usage != null ? b.usage : new InMemoryUsageSink();
        this.calls = new ProviderCalls(b.providers, keys, new Traces(b.tracing));
        this.providerIds = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(b.providers.keySet()));
        this.features = b.features;
        this.budgets = b.budgets;
        this.templates = b.templates;
        this.guardrails = b.guardrails;
        this.keyChecks = new KeyChecks(keys, clock, b.reverifyKeysAfter, calls::client);
        this.conversations = new Conversations(b.conversations, b.conversationHistory);
        this.preferences = new PreferencesApplied(b.preferences);
        this.records = new CallRecords(usage, b.observer, clock, new Redactor(b.maxStoredTextBytes), b.textPolicy,
                conversations, calls.traces());
        this.embeddings = new EmbeddingCalls(models, features, guardrails, rateLimiter, this::reserveBudget, keyChecks,
                calls, records, usage, clock);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The providers this job has clients for, in the order they were registered. */
    public Set<ProviderId> providerIds() {
        return providerIds;
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

    /** {@link #run(String, Object, Map)} of a template without variables. */
    public JobResult run(String template, Object org) {
        return run(template, org, Map.of());
    }

    /**
     * Runs a request and waits for the answer. The provider exchange runs on the calling thread
     * (retries after a backoff excepted), so a blocking call holds no other thread; an interrupt
     * cancels the call.
     */
    public JobResult run(JobRequest request) {
        CompletableFuture<JobResult> f;
        try (CallerRuns onThisThread = CallerRuns.enter()) { // the provider call runs here, not on a pool
            f = runAsync(request);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new CanceledException(ErrorCode.AI_CANCELED, null, "the calling thread was interrupted");
        } catch (ExecutionException e) {
            throw CallFailures.asAiException(e.getCause());
        }
    }

    /**
     * Runs a request without waiting for the provider: admission happens on this thread (a refusal
     * fails the returned future at once), the provider exchange on the library's provider threads.
     * The future fails with an {@link AiTenancyException}; canceling it cancels the provider call
     * and records it as canceled.
     */
    public CompletableFuture<JobResult> runAsync(JobRequest request) {
        Admission a;
        try {
            a = prepare(request);
        } catch (AiTenancyException e) {
            return CompletableFuture.failedFuture(e);
        }
        CallProgress p = new CallProgress(a);
        CompletableFuture<JobResult> result = new CompletableFuture<>();
        CompletableFuture<ProviderResponse> answer = keyChecks.verifyIfDue(a).thenCompose(v -> calls.call(a, p));
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                p.cancelInFlight();
                answer.cancel(true);
                records.canceled(a, p, TokenUsage.UNKNOWN, null);
            }
        });
        answer.whenComplete((response, failure) -> {
            try {
                if (failure == null) {
                    result.complete(records.answered(a, p, response));
                } else {
                    result.completeExceptionally(
                            records.failed(a, p, CallFailures.asAiException(failure), TokenUsage.UNKNOWN, null));
                }
            } catch (AiTenancyException e) {
                result.completeExceptionally(e);
            } catch (Throwable unexpected) { // never leave the caller waiting
                AiTenancyException e = CallFailures.asAiException(unexpected);
                e.attachOrg(a.org().value());
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
        StreamCall stream = new StreamCall(calls, records, handler);
        Admission a;
        try {
            a = prepare(request);
        } catch (AiTenancyException e) {
            stream.refused(e);
            return stream;
        }
        stream.admitted(a, new CallProgress(a));
        keyChecks.verifyIfDue(a).whenComplete((v, failure) -> {
            if (failure == null) {
                stream.start();
            } else {
                stream.onFailure(CallFailures.asAiException(failure));
            }
        });
        return stream;
    }

    /**
     * Embeds texts for an org through the same governance as {@link #run(JobRequest)} (allowlist,
     * tiers, key, rate limits, budgets, input guardrails, one usage record with operation
     * {@code embeddings}) and waits for the vectors.
     *
     * @throws AiTenancyException {@code AI_CONFIG_INVALID} for a chat model or a provider without
     *                            embeddings, and the codes of a chat call otherwise
     */
    public EmbeddingResult embed(EmbeddingRequest request) {
        return embeddings.embed(request);
    }

    /** {@link #embed} without waiting for the provider: admission on this thread, as {@link #runAsync}. */
    public CompletableFuture<EmbeddingResult> embedAsync(EmbeddingRequest request) {
        return embeddings.embedAsync(request);
    }

    /**
     * Checks a key with the provider's cheapest call, before it is stored. Completes normally when
     * the key works; fails with {@code AI_PROVIDER_AUTH} when it does not.
     */
    public CompletableFuture<Void> verifyKey(ProviderId provider, ApiKey key) {
        try {
            return calls.client(null, provider).verify(key);
        } catch (ConfigurationException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- the path of one call (design.md §3) ---------------------------------------------------

    /**
     * Steps 1-9: everything before the provider is called, decided once into an {@link Admission}.
     * Throws when the call may not go ahead, after recording the refusal.
     */
    private Admission prepare(JobRequest request) {
        OrgId org = OrgRefs.resolve(request.org());                                           // 1. who
        Instant now = clock.instant();
        UUID recordId = Ids.timeOrdered(now.toEpochMilli());
        Admission.CallId id = new Admission.CallId(org, request, request.correlationId() != null
                ? request.correlationId() : recordId.toString(), now, recordId);
        calls.traces().start(recordId, dev.aitenancy.usage.UsageRecord.CHAT, org, id.correlationId());
        Preparing so = new Preparing(id, records);
        try (Mdc ignored = Mdc.of(org, id.correlationId())) {
            so.step = "read the org's setup";
            if (request.template() != null || request.templateName() != null) {                   // 2. template
                so.prompt = PromptTemplate.render(templateText(org, request), request.context());
            }
            if (request.feature() != null && !features.isEnabled(org, request.feature())) {    // 3. feature
                throw new ConfigurationException(ErrorCode.AI_FEATURE_DISABLED, org.value(), "feature '"
                        + request.feature() + "' is switched off for org " + org + "; an admin can switch it on");
            }
            so.step = "read the AI preferences";                                                 // 4. model
            PreferencesApplied.Choice choice = preferences.resolve(models, org, request, preferences.of(org, request));
            so.model = choice.model();
            so.preferences = choice.applied();
            so.systemPrompt = PreferencesApplied.systemPrompt(request, so.preferences);
            Caller caller = request.caller();
            String tier = so.model.tier() == null ? null : so.model.tier().name();
            so.guards = GuardrailCheck.of(guardrails.guardrails(org), org, caller, tier);      // 5. guardrails (before)
            so.model = so.guards.checkModel(so.model);
            so.step = "read the conversation";
            List<Message> history = conversations.history(org, request, records);
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
            so.permit = rateLimiter.acquire(new RateLimitRequest(org, caller.userId(),         // 6. rate limit
                    caller.ip(), input.tokens() + so.model.maxOutputTokens())
                    .withUserRequestsPerMinuteCap(so.guards.userRequestsPerMinute()));
            so.step = "reserve against the budgets";
            so.budget = reserveBudget(id, so.model, so.guards, caller, tier, worstCase);        // 7. budget
            so.reserved = worstCase == null ? BigDecimal.ZERO : worstCase;
            calls.client(org, so.model.ref().provider());                                           //    (a client exists)
            so.step = "read the provider key";
            StoredKey stored = keyChecks.storedKey(org, so.model.ref().provider());                            // 8. key
            so.key = stored.key();
            so.verificationDue = keyChecks.isDue(stored.lastVerifiedAt(), id.startedAt());
            so.step = "record the start of the call";
            Admission admitted = so.admission();
            usage.started(records.started(admitted));                                          // 9. record start
            return admitted;
        } catch (AiTenancyException e) {
            e.attachOrg(org.value());
            records.refused(so.admission(), e);
            throw e;
        } catch (RuntimeException | Error storeFailure) { // an Error too (a store's missing class): never raw
            StoreException e = CallFailures.storeFailure(id, so.step, storeFailure);
            records.refused(so.admission(), e);
            throw e;
        }
    }

    private String templateText(OrgId org, JobRequest request) {
        if (request.templateName() != null && templates == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "the request names template '"
                    + request.templateName() + "' but this LLMJob has no TemplateStore; add one to its builder");
        }
        return request.templateName() == null ? request.template()
                : templates.text(org, request.templateName(), request.templateVersion());
    }

    /**
     * Step 7: reserves the worst case ({@code null}: unpriced) against every budget that applies. A
     * refusal because the model has no price names the model; soft budgets the call may overrun, or
     * that cannot count it, become warnings in its result and record.
     */
    private BudgetReservation reserveBudget(Admission.CallId id, ResolvedModel model, GuardrailCheck guards,
            Caller caller, String tier, BigDecimal worstCase) {
        BudgetReservation reservation;
        try {
            reservation = budgets.reserve(id.recordId(), id.org(), caller, tier, worstCase);
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

    /** Builds an {@link LLMJob}. A key store and a model catalog are required. */
    public static final class Builder {
        private ProviderKeys keys;
        private ModelCatalog models;
        private RateLimiter rateLimiter;
        private UsageSink usage;
        private final Map<ProviderId, ProviderClient> providers = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private int maxStoredTextBytes = Redactor.DEFAULT_MAX_BYTES;
        private Duration reverifyKeysAfter = Duration.ofDays(7);
        private FeatureFlags features = FeatureFlags.allEnabled();
        private CallObserver observer = CallObserver.NONE;
        private CallTracing tracing = CallTracing.NONE;
        private BudgetLedger budgets = BudgetLedger.none();
        private Templates templates;
        private Guardrails guardrails = Guardrails.none();
        private UsageTextPolicy textPolicy = UsageTextPolicy.always();
        private ConversationStore conversations;
        private Preferences preferences = Preferences.none();
        private ToIntFunction<OrgId> conversationHistory = org -> Conversations.DEFAULT_HISTORY;

        private Builder() {
        }

        /**
         * Where conversations are kept, for requests that name one ({@link JobRequest#conversationId()});
         * without one such requests fail with {@code AI_CONFIG_INVALID}.
         */
        public Builder conversations(ConversationStore store) {
            this.conversations = store;
            return this;
        }

        /**
         * The orgs' and users' AI preferences (tone, answer length, model), merged into every call
         * under what the request says; any {@link dev.aitenancy.preferences.PreferenceStore} is one.
         */
        public Builder preferences(Preferences p) {
            this.preferences = Objects.requireNonNull(p, "preferences");
            return this;
        }

        /** How many earlier messages a call in a conversation sends (default 20), for every org. */
        public Builder conversationHistory(int messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("a conversation's history must be at least 1 message");
            }
            return conversationHistory(org -> messages);
        }

        /** How many earlier messages a call in a conversation sends, per org. */
        public Builder conversationHistory(ToIntFunction<OrgId> perOrg) {
            this.conversationHistory = Objects.requireNonNull(perOrg, "conversationHistory");
            return this;
        }

        /**
         * The guardrails checked before and after every call (default: none); any
         * {@link dev.aitenancy.guardrails.GuardrailStore} is one.
         */
        public Builder guardrails(Guardrails store) {
            this.guardrails = Objects.requireNonNull(store, "guardrails");
            return this;
        }

        /** Which features each org may use (default: all). */
        public Builder featureFlags(FeatureFlags f) {
            this.features = Objects.requireNonNull(f, "featureFlags");
            return this;
        }

        /**
         * Budgets every call reserves its worst-case cost against (default: none); any
         * {@link dev.aitenancy.limits.BudgetStore} is one.
         */
        public Builder budgetLedger(BudgetLedger ledger) {
            this.budgets = Objects.requireNonNull(ledger, "budgetLedger");
            return this;
        }

        /**
         * Traces every call and its provider attempts, e.g.
         * {@code new ObservationCallTracing(observationRegistry)} (default: none).
         */
        public Builder tracing(CallTracing t) {
            this.tracing = Objects.requireNonNull(t, "tracing");
            return this;
        }

        /** Told about every finished call, e.g. {@code new MicrometerCallObserver(meterRegistry)}. */
        public Builder observer(CallObserver o) {
            this.observer = Objects.requireNonNull(o, "observer");
            return this;
        }

        /**
         * Where named templates come from, for {@link JobRequest#storedTemplate}; any
         * {@link dev.aitenancy.template.TemplateStore} is one.
         */
        public Builder templateStore(Templates t) {
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

        /**
         * Where each org's provider keys come from (required); any {@link dev.aitenancy.keys.KeyStore}
         * is one, e.g. a {@link dev.aitenancy.keys.CachingKeyStore} over the database's.
         */
        public Builder keyStore(ProviderKeys k) {
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
            BuiltInProviders.IDS.forEach(id -> provider(BuiltInProviders.client(id, settings)));
            return this;
        }

        /** {@link #builtInProviders(UnaryOperator)} with default settings. */
        public Builder builtInProviders() {
            return builtInProviders(UnaryOperator.identity());
        }

        /**
         * Registers the built-in client of {@code id} (openai, anthropic, gemini or cohere) with its
         * default settings adjusted by {@code settings}, replacing one of the same id: e.g. OpenAI
         * through a company proxy, {@code provider(ProviderId.OPENAI, s -> s.baseUri(proxy))}.
         *
         * @throws IllegalArgumentException for another id (register its client with
         *                                  {@link #provider(ProviderClient)}, e.g. an
         *                                  {@code OpenAiCompatibleClient})
         */
        public Builder provider(ProviderId id, UnaryOperator<ProviderSettings.Builder> settings) {
            return provider(BuiltInProviders.client(id, settings));
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
