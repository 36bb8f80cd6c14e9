package dev.aitenancy;

import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.features.FeatureFlags;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryConversationStore;
import dev.aitenancy.memory.InMemoryFeatureFlags;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryPreferenceStore;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryTemplateStore;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.memory.InMemoryUsageTextSettings;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.template.Templates;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageTextPolicy;
import dev.aitenancy.usage.UsageTextSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A complete setup in one statement: the {@link LLMJob} and the admin facades ({@link #keys()},
 * {@link #admin()}) wired to the same stores. In memory for tests and demos:
 *
 * <pre>{@code
 * AiTenancy ai = AiTenancy.inMemory().build();
 * ai.keys().upsert(acme, ProviderId.OPENAI, ApiKey.of(key), "ada");         // checked with the provider first
 * ai.admin().useModel(acme, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "ada");
 * ai.llm().run("Say hello to {{name}}", acme, Map.of("name", "Bo"));
 * }</pre>
 *
 * <p>On a {@code DataSource} (H2 or PostgreSQL), {@code AiTenancyJdbc.setup(dataSource, cipher)}
 * of the JDBC module gives a builder whose parts are the JDBC stores. Every part stays replaceable: a
 * setter given a part replaces the default, and a part that is only the call-path side of an SPI
 * ({@link RateLimiter} without {@link RateLimitAdmin}, say) leaves its admin methods failing with
 * {@code AI_CONFIG_INVALID}. Defaults: the in-memory stores, the built-in model registry, the
 * default rate-limit policy, budget alerts logged at WARN, and the built-in provider clients
 * (OpenAI, Anthropic, Gemini, Cohere).
 *
 * <p>{@link #close()} writes what the usage sink still holds, then closes every part that holds
 * threads or connections, in that order (never the host's {@code DataSource}).
 */
public final class AiTenancy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AiTenancy.class);

    private final LLMJob llm;
    private final ProviderKeyAdmin keys;
    private final OrgAdmin admin;
    private final UsageSink usage;
    private final AuditSink audit;
    private final ConversationStore conversations;
    private final List<Object> toClose;

    private AiTenancy(LLMJob llm, ProviderKeyAdmin keys, OrgAdmin admin, UsageSink usage, AuditSink audit,
            ConversationStore conversations, List<Object> toClose) {
        this.llm = llm;
        this.keys = keys;
        this.admin = admin;
        this.usage = usage;
        this.audit = audit;
        this.conversations = conversations;
        this.toClose = toClose;
    }

    /** A builder whose parts default to the in-memory stores. */
    public static Builder inMemory() {
        return new Builder(InMemoryBackend::new);
    }

    /**
     * A builder whose parts default to those {@code backend} makes for the builder's clock (the JDBC
     * module's {@code AiTenancyJdbc.setup(dataSource, cipher)} is one).
     */
    public static Builder builder(java.util.function.Function<Clock, Backend> backend) {
        return new Builder(Objects.requireNonNull(backend, "backend"));
    }

    /**
     * Makes the parts a setup was not given; each method is called at most once, by
     * {@link Builder#build()}, and only for a part the builder was not given.
     */
    public interface Backend {
        AuditSink auditSink();

        /** The keys; {@code audit} records each read of a secret. */
        KeyStore keyStore(AuditSink audit);

        Models models();

        RateLimiter rateLimiter();

        UsageSink usageSink();

        BudgetLedger budgets(BudgetAlertListener alerts);

        Guardrails guardrails();

        Templates templates();

        FeatureFlags featureFlags();

        UsageTextPolicy usageTextPolicy();

        ConversationStore conversations();

        /** The orgs' and users' AI preferences. */
        PreferenceStore preferences();
    }

    /** The model catalog and where admins change it (usually one object). */
    public record Models(ModelCatalog catalog, ModelAdmin admin) {
        public Models {
            Objects.requireNonNull(catalog, "catalog");
            Objects.requireNonNull(admin, "admin");
        }

        public static <M extends ModelCatalog & ModelAdmin> Models of(M models) {
            return new Models(models, models);
        }
    }

    /** The in-memory parts (the built-in model registry, the default rate-limit policy). */
    private static final class InMemoryBackend implements Backend {
        private final Clock clock;

        InMemoryBackend(Clock clock) {
            this.clock = clock;
        }

        @Override
        public AuditSink auditSink() {
            return new InMemoryAuditSink();
        }

        @Override
        public KeyStore keyStore(AuditSink audit) {
            return new InMemoryKeyStore(clock);
        }

        @Override
        public Models models() {
            return Models.of(new InMemoryModelCatalog(ModelRegistry.builtIn()));
        }

        @Override
        public RateLimiter rateLimiter() {
            return new InMemoryRateLimiter(clock, RateLimitPolicy.DEFAULT);
        }

        @Override
        public UsageSink usageSink() {
            return new InMemoryUsageSink();
        }

        @Override
        public BudgetLedger budgets(BudgetAlertListener alerts) {
            return new InMemoryBudgetLedger(clock, alerts);
        }

        @Override
        public Guardrails guardrails() {
            return new InMemoryGuardrailStore();
        }

        @Override
        public Templates templates() {
            return new InMemoryTemplateStore(clock);
        }

        @Override
        public FeatureFlags featureFlags() {
            return new InMemoryFeatureFlags();
        }

        @Override
        public UsageTextPolicy usageTextPolicy() {
            return new InMemoryUsageTextSettings();
        }

        @Override
        public ConversationStore conversations() {
            return new InMemoryConversationStore(clock);
        }

        @Override
        public PreferenceStore preferences() {
            return new InMemoryPreferenceStore();
        }
    }

    /** The governed calls. */
    public LLMJob llm() {
        return llm;
    }

    /** The orgs' provider keys: stored after the provider accepts them, audited. */
    public ProviderKeyAdmin keys() {
        return keys;
    }

    /** Every other administrative change of an org (models, limits, budgets, guardrails, ...), audited. */
    public OrgAdmin admin() {
        return admin;
    }

    /** The usage records; a {@link UsageLog} (queries, totals, exports) for every built-in sink. */
    public UsageSink usage() {
        return usage;
    }

    /** The audit log. */
    public AuditSink audit() {
        return audit;
    }

    /** The conversations of the orgs' users. */
    public ConversationStore conversations() {
        return conversations;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Object part : toClose) {
            try {
                ((AutoCloseable) part).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Builds an {@link AiTenancy}; every part not given is its backend's. */
    public static final class Builder {
        private final java.util.function.Function<Clock, Backend> backend;
        private Clock clock = Clock.systemUTC();
        private KeyStore keyStore;
        private ModelCatalog modelCatalog;
        private ModelAdmin modelAdmin;
        private RateLimiter rateLimiter;
        private UsageSink usageSink;
        private AuditSink auditSink;
        private BudgetLedger budgets;
        private BudgetAlertListener budgetAlerts;
        private Guardrails guardrails;
        private Templates templates;
        private FeatureFlags features;
        private UsageTextPolicy textPolicy;
        private ConversationStore conversations;
        private Preferences preferences;
        private final List<ProviderClient> providers = new ArrayList<>();
        private final List<Consumer<LLMJob.Builder>> llmOptions = new ArrayList<>();
        private final List<AutoCloseable> alsoClose = new ArrayList<>();

        private Builder(java.util.function.Function<Clock, Backend> backend) {
            this.backend = backend;
        }

        /** The clock of every part this builder makes and of the job (default: the system's, UTC). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        public Builder keyStore(KeyStore k) {
            this.keyStore = k;
            return this;
        }

        /** The model catalog, which is also where admins change the orgs' models. */
        public <M extends ModelCatalog & ModelAdmin> Builder models(M models) {
            return models(Models.of(models));
        }

        /** The model catalog and, apart, where admins change the orgs' models. */
        public Builder models(Models models) {
            this.modelCatalog = models.catalog();
            this.modelAdmin = models.admin();
            return this;
        }

        /** The rate limiter; when it is a {@link RateLimitAdmin}, admins set policies through it. */
        public Builder rateLimiter(RateLimiter r) {
            this.rateLimiter = r;
            return this;
        }

        /** Where usage records go; when it is a {@link UsageLog}, they can be queried. */
        public Builder usageSink(UsageSink u) {
            this.usageSink = u;
            return this;
        }

        public Builder auditSink(AuditSink a) {
            this.auditSink = a;
            return this;
        }

        /** The budgets; when it is a {@link BudgetStore}, admins set them through it. */
        public Builder budgets(BudgetLedger b) {
            this.budgets = b;
            return this;
        }

        /** Told when a budget crosses its alert threshold (default: a WARN log line); for the backend's ledger. */
        public Builder budgetAlerts(BudgetAlertListener listener) {
            this.budgetAlerts = listener;
            return this;
        }

        public Builder guardrails(Guardrails g) {
            this.guardrails = g;
            return this;
        }

        public Builder templates(Templates t) {
            this.templates = t;
            return this;
        }

        public Builder featureFlags(FeatureFlags f) {
            this.features = f;
            return this;
        }

        /** Whether each org's records keep text; when it is {@link UsageTextSettings}, admins switch it. */
        public Builder usageTextPolicy(UsageTextPolicy p) {
            this.textPolicy = p;
            return this;
        }

        public Builder conversations(ConversationStore c) {
            this.conversations = c;
            return this;
        }

        /** The AI preferences; when it is a {@link PreferenceStore}, admins set the org's through it. */
        public Builder preferences(Preferences p) {
            this.preferences = p;
            return this;
        }

        /** A provider client of the host's, replacing the built-in one of the same id. */
        public Builder provider(ProviderClient client) {
            providers.add(Objects.requireNonNull(client, "client"));
            return this;
        }

        /** Any other option of the job ({@code b -> b.observer(...)}, timeouts, a provider's base URL). */
        public Builder llm(Consumer<LLMJob.Builder> option) {
            llmOptions.add(Objects.requireNonNull(option, "option"));
            return this;
        }

        /** Something to close after the parts, when the setup is closed (a pool the setup made, say). */
        public Builder alsoClose(AutoCloseable resource) {
            alsoClose.add(Objects.requireNonNull(resource, "resource"));
            return this;
        }

        public AiTenancy build() {
            Backend parts = backend.apply(clock);
            AuditSink audit = auditSink != null ? auditSink : parts.auditSink();
            KeyStore keys = keyStore != null ? keyStore : parts.keyStore(audit);
            if (modelCatalog == null) {
                Models models = parts.models();
                modelCatalog = models.catalog();
                modelAdmin = models.admin();
            }
            RateLimiter limiter = rateLimiter != null ? rateLimiter : parts.rateLimiter();
            UsageSink usage = usageSink != null ? usageSink : parts.usageSink();
            BudgetLedger ledger = budgets != null ? budgets
                    : parts.budgets(budgetAlerts != null ? budgetAlerts : AiTenancy::logAlert);
            Guardrails rules = guardrails != null ? guardrails : parts.guardrails();
            Templates temps = templates != null ? templates : parts.templates();
            FeatureFlags flags = features != null ? features : parts.featureFlags();
            UsageTextPolicy text = textPolicy != null ? textPolicy : parts.usageTextPolicy();
            ConversationStore chats = conversations != null ? conversations : parts.conversations();
            Preferences prefs = preferences != null ? preferences : parts.preferences();

            LLMJob.Builder job = LLMJob.builder().clock(clock).keyStore(keys).modelCatalog(modelCatalog)
                    .rateLimiter(limiter).usageSink(usage).budgetLedger(ledger).guardrails(rules).templateStore(temps)
                    .featureFlags(flags).usageTextPolicy(text).conversations(chats).preferences(prefs)
                    .builtInProviders(s -> s);
            providers.forEach(job::provider);
            llmOptions.forEach(o -> o.accept(job));
            LLMJob llm = job.build();

            OrgAdmin.Builder admin = OrgAdmin.builder().clock(clock).audit(audit).models(modelAdmin);
            if (limiter instanceof RateLimitAdmin r) {
                admin.rateLimits(r);
            }
            if (usage instanceof UsageLog log) {
                admin.usage(log);
            }
            if (ledger instanceof BudgetStore b) {
                admin.budgets(b);
            }
            if (rules instanceof GuardrailStore g) {
                admin.guardrails(g);
            }
            if (temps instanceof TemplateStore t) {
                admin.templates(t);
            }
            if (flags instanceof FeatureFlagStore f) {
                admin.features(f);
            }
            if (text instanceof UsageTextSettings t) {
                admin.usageText(t);
            }
            if (prefs instanceof PreferenceStore p) {
                admin.preferences(p);
            }
            ProviderKeyAdmin keyAdmin = new ProviderKeyAdmin(keys, modelAdmin, llm, audit, limiter, clock);

            List<Object> toClose = new ArrayList<>(); // the usage sink first: its settlements need the others
            for (Object part : List.of(usage, ledger, limiter, keys, audit, chats)) {
                if (part instanceof AutoCloseable && !toClose.contains(part)) {
                    toClose.add(part);
                }
            }
            toClose.addAll(alsoClose);
            return new AiTenancy(llm, keyAdmin, admin.build(), usage, audit, chats, List.copyOf(toClose));
        }
    }

    private static void logAlert(dev.aitenancy.limits.Budget budget, String period, java.math.BigDecimal spent) {
        LOG.warn("ai-tenancy: {} of org {} has spent {} USD in period {}", budget.describe(), budget.org(),
                spent.toPlainString(), period);
    }
}
