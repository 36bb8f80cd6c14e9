package dev.aitenancy;

import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.ProviderThreads;
import dev.aitenancy.template.Templates;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.Redactor;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageTextPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
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
 * admits the call on the calling thread (rate limits, budgets, the started record: microseconds in
 * memory, a few database round trips on JDBC stores) and returns while the provider answers;
 * {@link #stream} returns at once and admits on the library's threads; {@link #run(JobRequest)}
 * also runs the provider exchange on the calling thread.
 */
public final class LLMJob {

    /** MDC key holding the org id while the library works on a call. */
    public static final String MDC_ORG = "aiTenancy.org";
    /** MDC key holding the correlation id while the library works on a call. */
    public static final String MDC_CORRELATION_ID = "aiTenancy.correlationId";

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    final ProviderKeys keys;
    final ModelCatalog models;
    final RateLimiter rateLimiter;
    final UsageSink usage;
    final ProviderCalls calls;
    private final Set<ProviderId> providerIds;
    final Clock clock;
    final FeatureFlags features;
    final BudgetLedger budgets;
    final Templates templates;
    final Guardrails guardrails;
    final CallRecords records;
    final KeyChecks keyChecks;
    final Conversations conversations;
    final PreferencesApplied preferences;

    // the parts above are read by Admitting (steps 1-9 of a call)
    private final EmbeddingCalls embeddings;
    private final Admitting admitting;

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
        this.admitting = new Admitting(this);
        this.embeddings = new EmbeddingCalls(models, features, guardrails, rateLimiter, admitting::reserveBudget,
                keyChecks, calls, records, usage, clock);
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
        return Blocking.run(() -> runAsync(request));
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
            a = admitting.prepare(request);
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
     * {@link JobEvent.Usage}s, then one {@link JobEvent.Done} or {@link JobEvent.Error}. Returns
     * once the call is handed to the library's threads: admission (rate limits, budgets, the
     * started record) runs there, so a refusal arrives as an {@link JobEvent.Error} there too, and
     * this thread never waits for a store. Events arrive one at a time on library threads (on this
     * thread only when the request names no usable org). The caller's MDC is carried over to
     * admission. {@link StreamHandle#cancel} works at any point, admission included. A handler that
     * throws cancels the stream.
     */
    public StreamHandle stream(JobRequest request, Consumer<? super JobEvent> handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        Admission.CallId id;
        try {
            id = admitting.begin(request);
        } catch (AiTenancyException e) {
            StreamCall refused = new StreamCall(calls, records, handler, null);
            refused.refused(e);
            return refused;
        }
        StreamCall stream = new StreamCall(calls, records, handler, id.org());
        Map<String, String> callerMdc = MDC.getCopyOfContextMap();
        Runnable admit = () -> admitAndStart(stream, id, callerMdc);
        try {
            ProviderThreads.calls().execute(admit);
        } catch (RejectedExecutionException e) {
            admit.run();
        }
        return stream;
    }

    /** Steps 2-9 of a stream and then its provider call, on a library thread with the caller's MDC. */
    private void admitAndStart(StreamCall stream, Admission.CallId id, Map<String, String> callerMdc) {
        Map<String, String> before = MDC.getCopyOfContextMap();
        if (callerMdc != null) {
            MDC.setContextMap(callerMdc);
        }
        try {
            Admission a;
            try {
                a = admitting.admit(id); // records its own refusals
            } catch (RuntimeException | Error refusal) { // never leave the stream without its last event
                AiTenancyException e = CallFailures.asAiException(refusal);
                e.attachOrg(id.org().value());
                stream.refused(e);
                return;
            }
            if (!stream.admitted(a, new CallProgress(a))) {
                return; // canceled while it was admitted, and recorded so
            }
            try {
                keyChecks.verifyIfDue(a).whenComplete((v, failure) -> {
                    if (failure == null) {
                        stream.start();
                    } else {
                        stream.onFailure(CallFailures.asAiException(failure));
                    }
                });
            } catch (RuntimeException | Error unexpected) { // admitted: recorded as failed, its reservation settled
                stream.onFailure(CallFailures.asAiException(unexpected));
            }
        } finally {
            if (before == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(before);
            }
        }
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
