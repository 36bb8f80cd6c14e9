package dev.aitenancy.admin;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetSpend;
import dev.aitenancy.limits.BudgetStore;
import dev.aitenancy.limits.RateLimitAdmin;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.template.StoredTemplate;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditPage;
import dev.aitenancy.usage.AuditQuery;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.PricingReport;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageTextSettings;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The administrative changes of an org, each recorded in the audit log with who made it. Every
 * change method takes the {@code actor} (the admin's id) last, makes the change through the part it
 * belongs to, and then records one {@link AuditEvent}: nothing is recorded for a change that was
 * refused (its exception propagates unchanged), and when the audit write itself fails the change
 * stands and an {@link AuditFailedException} says so (it is logged too, never swallowed).
 *
 * <pre>{@code
 * OrgAdmin admin = OrgAdmin.builder()
 *     .audit(db.auditSink()).models(models).budgets(budgets).usage(usage)
 *     .features(db.featureFlags()).templates(db.templateStore()).usageText(db.usageTextSettings())
 *     .guardrails(db.guardrailStore()).rateLimits(limits).preferences(db.preferenceStore())
 *     .build();
 * admin.setDefaultModel(acme, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "ada@acme");
 * admin.auditLog(AuditQuery.of(acme).withAction("model.*"));
 * }</pre>
 *
 * <p>Only the audit sink is required; calling a method whose part was not given fails with
 * {@code AI_CONFIG_INVALID} naming the builder method to use.
 *
 * <p>Actions recorded: {@code model.allow}, {@code model.remove}, {@code model.set-default},
 * {@code model.set-default-provider}, {@code model.feature-preference}, {@code model.fallbacks},
 * {@code model.deny}, {@code model.undeny}, {@code tier.org}, {@code tier.group}, {@code tier.user},
 * {@code budget.set}, {@code rate-limit.set}, {@code usage.purge}, {@code usage.text-storage}, {@code feature.enable},
 * {@code feature.disable}, {@code template.save}, {@code guardrail.add}, {@code guardrail.update},
 * {@code guardrail.delete}, {@code preferences.org}.
 */
public final class OrgAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(OrgAdmin.class);

    private final AuditSink audit;
    private final ModelAdmin models;
    private final BudgetStore budgets;
    private final UsageLog usage;
    private final FeatureFlagStore features;
    private final TemplateStore templates;
    private final UsageTextSettings usageText;
    private final GuardrailStore guardrails;
    private final RateLimitAdmin rateLimits;
    private final PreferenceStore preferences;
    private final Clock clock;

    private OrgAdmin(Builder b) {
        this.audit = Objects.requireNonNull(b.audit, "audit: OrgAdmin.builder().audit(...) is required");
        this.models = b.models;
        this.budgets = b.budgets;
        this.usage = b.usage;
        this.features = b.features;
        this.templates = b.templates;
        this.usageText = b.usageText;
        this.guardrails = b.guardrails;
        this.rateLimits = b.rateLimits;
        this.preferences = b.preferences;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    // --- models and tiers ---------------------------------------------------------------------

    /** Allows the org a model, or changes its cap and label ({@code model.allow}). */
    public void allowModel(OrgId org, ModelRef model, Integer maxOutputTokens, String label, String actor) {
        check(org, actor);
        models().allow(org, model, maxOutputTokens, label);
        record(org, actor, "model.allow", model.toString(), "max output tokens "
                + (maxOutputTokens == null ? "of the model" : maxOutputTokens) + (label == null ? "" : "; label " + label));
    }

    /**
     * Allows a model and makes it what the org's calls use when they name none: the default of its
     * provider and the org's default provider ({@code model.allow}, {@code model.set-default},
     * {@code model.set-default-provider}).
     */
    public void useModel(OrgId org, ModelRef model, String actor) {
        allowModel(org, model, null, null, actor);
        setDefaultModel(org, model, actor);
        setDefaultProvider(org, model.provider(), actor);
    }

    /** Takes a model off the allowlist ({@code model.remove}); refused while it is its provider's default. */
    public void removeModel(OrgId org, ModelRef model, String actor) {
        check(org, actor);
        models().remove(org, model);
        record(org, actor, "model.remove", model.toString(), null);
    }

    /** Makes an allowed model the default of its provider ({@code model.set-default}). */
    public void setDefaultModel(OrgId org, ModelRef model, String actor) {
        check(org, actor);
        models().setDefault(org, model);
        record(org, actor, "model.set-default", model.toString(), null);
    }

    /** Chooses the provider whose default serves calls naming no model ({@code model.set-default-provider}). */
    public void setDefaultProvider(OrgId org, ProviderId provider, String actor) {
        check(org, actor);
        models().setDefaultProvider(org, provider);
        record(org, actor, "model.set-default-provider", provider.name(), null);
    }

    /** Routes a feature to an allowed model ({@code model.feature-preference}). */
    public void setFeaturePreference(OrgId org, String feature, ModelRef model, Integer maxOutputTokens,
            String actor) {
        check(org, actor);
        models().setFeaturePreference(org, feature, model, maxOutputTokens);
        record(org, actor, "model.feature-preference", feature,
                model + (maxOutputTokens == null ? "" : "; max output tokens " + maxOutputTokens));
    }

    /** Sets the fallback chain ({@code model.fallbacks}); an empty chain removes it. */
    public void setFallbacks(OrgId org, List<ModelRef> chain, String actor) {
        check(org, actor);
        models().setFallbacks(org, chain);
        record(org, actor, "model.fallbacks", null,
                chain.isEmpty() ? "none" : chain.stream().map(ModelRef::toString).collect(Collectors.joining(" > ")));
    }

    /** Puts a model on the org's denylist ({@code model.deny}). */
    public void denyModel(OrgId org, ModelRef model, String actor) {
        check(org, actor);
        models().deny(org, model);
        record(org, actor, "model.deny", model.toString(), null);
    }

    /** Takes a model off the org's denylist ({@code model.undeny}). */
    public void undenyModel(OrgId org, ModelRef model, String actor) {
        check(org, actor);
        models().undeny(org, model);
        record(org, actor, "model.undeny", model.toString(), null);
    }

    /** Subscribes the org to tiers ({@code tier.org}); an empty set lifts tier restrictions. */
    public void setOrgTiers(OrgId org, Set<String> tiers, String actor) {
        check(org, actor);
        models().setOrgTiers(org, tiers);
        record(org, actor, "tier.org", null, AuditDetails.tiers(tiers));
    }

    /** Narrows a group to some tiers ({@code tier.group}); null removes the narrowing. */
    public void setGroupTiers(OrgId org, String group, Set<String> tiers, String actor) {
        check(org, actor);
        models().setGroupTiers(org, group, tiers);
        record(org, actor, "tier.group", group, AuditDetails.tiers(tiers));
    }

    /** Narrows a user to some tiers ({@code tier.user}); null removes the narrowing. */
    public void setUserTiers(OrgId org, String user, Set<String> tiers, String actor) {
        check(org, actor);
        models().setUserTiers(org, user, tiers);
        record(org, actor, "tier.user", user, AuditDetails.tiers(tiers));
    }

    /** The org's allowed models. */
    public List<OrgModel> models(OrgId org) {
        return models().models(org);
    }

    /** The org's feature preferences, by feature. */
    public List<dev.aitenancy.models.PreferredModel> featurePreferences(OrgId org) {
        return models().featurePreferences(org);
    }

    /** The org's fallback chain, in order. */
    public List<ModelRef> fallbacks(OrgId org) {
        return models().fallbacks(org);
    }

    /** The org's default provider, tiers, narrowings and denylist. */
    public dev.aitenancy.models.ModelAccessSettings accessSettings(OrgId org) {
        return models().accessSettings(org);
    }

    // --- budgets, usage -----------------------------------------------------------------------

    /**
     * Adds or replaces a budget ({@code budget.set}, target e.g. {@code user alice monthly}; the
     * detail ends with {@code unpriced models allowed} when the budget {@linkplain Budget#allowUnpriced()
     * allows them}).
     */
    public void setBudget(Budget budget, String actor) {
        Objects.requireNonNull(budget, "budget");
        check(budget.org(), actor);
        budgets().setBudget(budget);
        record(budget.org(), actor, "budget.set", AuditDetails.budget(budget.scope(), budget.subject(),
                budget.period()), AuditDetails.budget(budget));
    }

    /**
     * Removes one of the org's budgets ({@code budget.remove}); nothing is recorded when there was
     * no such budget.
     *
     * @return false when the org has no such budget
     */
    public boolean removeBudget(OrgId org, Budget.Scope scope, String subject, Budget.Period period, String actor) {
        check(org, actor);
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(period, "period");
        boolean removed = budgets().removeBudget(org, scope, subject, period);
        if (removed) {
            record(org, actor, "budget.remove", AuditDetails.budget(scope, subject, period), null);
        }
        return removed;
    }

    /** Gives the org its own rate limits ({@code rate-limit.set}, detail the limits; 0 = none). */
    public void setRateLimitPolicy(OrgId org, RateLimitPolicy policy, String actor) {
        check(org, actor);
        Objects.requireNonNull(policy, "policy");
        rateLimits().setPolicy(org, policy);
        record(org, actor, "rate-limit.set", null, AuditDetails.rateLimits(policy));
    }

    /** The org's rate limits: its own, or the default. */
    public RateLimitPolicy rateLimitPolicy(OrgId org) {
        return rateLimits().policy(org);
    }

    /** The org's budgets. */
    public List<Budget> budgets(OrgId org) {
        return budgets().budgets(org);
    }

    /** What is spent and reserved under one of the org's budgets in its current period. */
    public BudgetSpend spend(Budget budget) {
        return budgets().spend(Objects.requireNonNull(budget, "budget"), clock.instant());
    }

    /**
     * Deletes the org's usage records that started before {@code before} ({@code usage.purge}).
     *
     * @return how many records were removed
     */
    public long purgeUsage(OrgId org, Instant before, String actor) {
        check(org, actor);
        Objects.requireNonNull(before, "before");
        long removed = usage().purge(org, before);
        record(org, actor, "usage.purge", null, "removed " + removed + " records started before " + before);
        return removed;
    }

    /** The org's pricing report (a read; not audited). */
    public PricingReport pricingReport(OrgId org, Instant from, Instant to, ZoneId zone) {
        return usage().pricingReport(org, from, to, zone);
    }

    /** Switches storing prompt and answer text in the org's usage records ({@code usage.text-storage}). */
    public void setStoresUsageText(OrgId org, boolean store, String actor) {
        check(org, actor);
        usageText().setStoresText(org, store);
        record(org, actor, "usage.text-storage", null, store ? "on" : "off");
    }

    /** Whether the org's usage records keep prompt and answer text. */
    public boolean storesUsageText(OrgId org) {
        return usageText().storesText(org);
    }

    // --- features, templates ------------------------------------------------------------------

    /** Switches a feature on or off ({@code feature.enable} / {@code feature.disable}). */
    public void setFeature(OrgId org, String feature, boolean enabled, String actor) {
        check(org, actor);
        features().set(org, feature, enabled);
        record(org, actor, enabled ? "feature.enable" : "feature.disable", feature, null);
    }

    /** The features switched explicitly for the org. */
    public Map<String, Boolean> features(OrgId org) {
        return features().flags(org);
    }

    /** Saves a new version of a named template ({@code template.save}, detail {@code version N}). */
    public StoredTemplate saveTemplate(OrgId org, String name, String text, String actor) {
        check(org, actor);
        StoredTemplate saved = templates().save(org, name, text, actor);
        record(org, actor, "template.save", name, "version " + saved.version());
        return saved;
    }

    /** The latest version of each of the org's templates, by name. */
    public List<StoredTemplate> latestTemplates(OrgId org) {
        return templates().latestVersions(org);
    }

    /** Every version of a named template, oldest first. */
    public List<StoredTemplate> templateVersions(OrgId org, String name) {
        return templates().versions(org, name);
    }

    // --- guardrails ---------------------------------------------------------------------------

    /**
     * Adds an org's guardrail, or replaces the one with its id ({@code guardrail.add} /
     * {@code guardrail.update}, target the rule's id). Global rules belong to no org and are not
     * changed here.
     *
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for a global rule
     */
    public Guardrail saveGuardrail(Guardrail guardrail, String actor) {
        Objects.requireNonNull(guardrail, "guardrail");
        if (guardrail.org() == null) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "a global guardrail belongs to no org: save it with the GuardrailStore itself");
        }
        check(guardrail.org(), actor);
        boolean existed = guardrails().find(guardrail.org(), guardrail.id()).isPresent();
        Guardrail saved = guardrails().save(guardrail);
        record(saved.org(), actor, existed ? "guardrail.update" : "guardrail.add", saved.id().toString(),
                AuditDetails.guardrail(saved));
        return saved;
    }

    /**
     * Deletes one of the org's guardrails ({@code guardrail.delete}); nothing is recorded when the
     * org has no such rule.
     *
     * @return false when the org has no such rule
     */
    public boolean deleteGuardrail(OrgId org, UUID id, String actor) {
        check(org, actor);
        Objects.requireNonNull(id, "id");
        Optional<Guardrail> existing = guardrails().find(org, id);
        if (existing.isEmpty() || !guardrails().delete(org, id)) {
            return false;
        }
        record(org, actor, "guardrail.delete", id.toString(), AuditDetails.guardrail(existing.get()));
        return true;
    }

    /** The global guardrails followed by the org's own. */
    public List<Guardrail> guardrails(OrgId org) {
        return guardrails().guardrails(org);
    }

    // --- AI preferences ----------------------------------------------------------------------

    /**
     * Replaces the org's default AI preferences ({@code preferences.org}, detail what is set, or
     * {@code none} for {@link AiPreferences#NONE}, which removes them). Whether a model preference
     * is one the org allows is the caller's to check first (the catalog checks it again on every call).
     */
    public void setOrgPreferences(OrgId org, AiPreferences preferences, String actor) {
        check(org, actor);
        Objects.requireNonNull(preferences, "preferences (AiPreferences.NONE for none)");
        preferences().setOrg(org, preferences);
        record(org, actor, "preferences.org", null, AuditDetails.preferences(preferences));
    }

    /** The org's default AI preferences ({@link AiPreferences#NONE} when none are set). */
    public AiPreferences orgPreferences(OrgId org) {
        return preferences().org(org);
    }

    // --- the audit log ------------------------------------------------------------------------

    /** One page of the org's audit log. */
    public AuditPage auditLog(AuditQuery query) {
        return audit.query(query);
    }

    // ------------------------------------------------------------------------------------------

    private static void check(OrgId org, String actor) {
        Objects.requireNonNull(org, "org");
        if (actor == null || actor.isBlank()) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(),
                    "an administrative change needs the id of the admin who makes it (actor)");
        }
    }

    private void record(OrgId org, String actor, String action, String target, String detail) {
        AuditEvent event = AuditEvent.of(org, actor, action, target, detail, clock.instant());
        try {
            audit.record(event);
        } catch (RuntimeException e) {
            LOG.error("the change {} of {} by {} in org {} was made but could not be audited", action, target, actor,
                    org.value(), e);
            throw new AuditFailedException(event, e);
        }
    }

    private ModelAdmin models() {
        return require(models, "ModelAdmin", "models");
    }

    private BudgetStore budgets() {
        return require(budgets, "BudgetStore", "budgets");
    }

    private UsageLog usage() {
        return require(usage, "UsageLog", "usage");
    }

    private FeatureFlagStore features() {
        return require(features, "FeatureFlagStore", "features");
    }

    private TemplateStore templates() {
        return require(templates, "TemplateStore", "templates");
    }

    private RateLimitAdmin rateLimits() {
        return require(rateLimits, "RateLimitAdmin", "rateLimits");
    }

    private GuardrailStore guardrails() {
        return require(guardrails, "GuardrailStore", "guardrails");
    }

    private PreferenceStore preferences() {
        return require(preferences, "PreferenceStore", "preferences");
    }

    private UsageTextSettings usageText() {
        return require(usageText, "UsageTextSettings", "usageText");
    }

    private static <T> T require(T part, String type, String builderMethod) {
        if (part == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null, "this OrgAdmin has no " + type
                    + ": give it one with OrgAdmin.builder()." + builderMethod + "(...)");
        }
        return part;
    }

    /** The parts an {@link OrgAdmin} changes; only {@link #audit} is required. */
    public static final class Builder {
        private AuditSink audit;
        private ModelAdmin models;
        private BudgetStore budgets;
        private UsageLog usage;
        private FeatureFlagStore features;
        private TemplateStore templates;
        private UsageTextSettings usageText;
        private GuardrailStore guardrails;
        private RateLimitAdmin rateLimits;
        private PreferenceStore preferences;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Where every change is recorded (required). */
        public Builder audit(AuditSink a) {
            this.audit = Objects.requireNonNull(a, "audit");
            return this;
        }

        public Builder models(ModelAdmin m) {
            this.models = m;
            return this;
        }

        public Builder budgets(BudgetStore b) {
            this.budgets = b;
            return this;
        }

        public Builder usage(UsageLog u) {
            this.usage = u;
            return this;
        }

        public Builder features(FeatureFlagStore f) {
            this.features = f;
            return this;
        }

        public Builder templates(TemplateStore t) {
            this.templates = t;
            return this;
        }

        public Builder usageText(UsageTextSettings s) {
            this.usageText = s;
            return this;
        }

        public Builder guardrails(GuardrailStore g) {
            this.guardrails = g;
            return this;
        }

        /** Per-org rate limits, e.g. an {@code InMemoryRateLimiter} or {@code JdbcRateLimiter}. */
        public Builder rateLimits(RateLimitAdmin r) {
            this.rateLimits = r;
            return this;
        }

        /** The org's and its users' AI preferences. */
        public Builder preferences(PreferenceStore p) {
            this.preferences = p;
            return this;
        }

        /** The time of audit events (default: the system clock in UTC). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        public OrgAdmin build() {
            if (audit == null) {
                throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null,
                        "an OrgAdmin records every change: give it an AuditSink with OrgAdmin.builder().audit(...)");
            }
            return new OrgAdmin(this);
        }
    }
}
