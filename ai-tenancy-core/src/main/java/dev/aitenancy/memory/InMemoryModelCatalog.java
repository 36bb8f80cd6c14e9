package dev.aitenancy.memory;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.spi.OrgModelsView;
import dev.aitenancy.spi.OrgModelsView.FeaturePreference;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model registry plus each org's allowlist, defaults, feature preferences and fallback chain,
 * held in memory. Resolution order: the model the request names (must be allowed), else the
 * request's provider's default, else the feature preference, else the default model of the org's
 * default provider. Output caps are clamped to the smallest of the request, the org's cap for the
 * model and the model's own cap.
 */
public final class InMemoryModelCatalog implements ModelCatalog, ModelAdmin {

    /** Output cap used when neither the request, the org nor the registry gives one. */
    public static final int FALLBACK_MAX_OUTPUT_TOKENS = OrgModelsView.FALLBACK_MAX_OUTPUT_TOKENS;

    private static final class OrgModels {
        final Map<ModelRef, Integer> allowed = new LinkedHashMap<>();
        final Map<ModelRef, String> labels = new LinkedHashMap<>();
        final Map<ProviderId, String> defaults = new LinkedHashMap<>();
        ProviderId defaultProvider;
        final Map<String, FeaturePreference> features = new LinkedHashMap<>();
        List<ModelRef> fallbacks = List.of();
        Set<String> tiers = Set.of();
        final Map<String, Set<String>> groupTiers = new LinkedHashMap<>();
        final Map<String, Set<String>> userTiers = new LinkedHashMap<>();
        final Set<ModelRef> denied = new LinkedHashSet<>();

        OrgModelsView view() {
            return new OrgModelsView(allowed, defaults, defaultProvider, features, fallbacks,
                    new OrgModelsView.Access(tiers, groupTiers, userTiers, denied));
        }
    }

    private final Map<ModelRef, ModelSpec> registry = new ConcurrentHashMap<>();
    private final Map<OrgId, OrgModels> orgs = new ConcurrentHashMap<>();
    private final TierPlan plan;

    /** A catalog whose registry starts empty (every model unpriced until registered), with empty tiers. */
    public InMemoryModelCatalog() {
        this(ModelRegistry.empty());
    }

    /** A catalog whose registry starts with {@code registry}'s models, tiered by list price. */
    public InMemoryModelCatalog(ModelRegistry registry) {
        this(registry, TierPlan.byListPrice(registry));
    }

    public InMemoryModelCatalog(ModelRegistry registry, TierPlan plan) {
        registry.all().forEach(this::register);
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    /** A catalog that knows the limits and prices of the {@linkplain ModelRegistry#builtIn() built-in models}. */
    public static InMemoryModelCatalog withBuiltInModels() {
        return new InMemoryModelCatalog(ModelRegistry.builtIn());
    }

    /** Adds or replaces a model in the registry. */
    public InMemoryModelCatalog register(ModelSpec spec) {
        registry.put(spec.ref(), spec);
        return this;
    }

    @Override
    public InMemoryModelCatalog allow(OrgId org, ModelRef model) {
        return allow(org, model, null, null);
    }

    @Override
    public InMemoryModelCatalog allow(OrgId org, ModelRef model, Integer maxOutputTokens) {
        return allow(org, model, maxOutputTokens, null);
    }

    @Override
    public InMemoryModelCatalog allow(OrgId org, ModelRef model, Integer maxOutputTokens, String label) {
        Integer cap = OrgModelsView.clampAllowance(maxOutputTokens, registry.get(model));
        OrgModels m = org(org);
        synchronized (m) {
            m.allowed.put(model, cap);
            m.labels.put(model, label);
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog remove(OrgId org, ModelRef model) {
        OrgModels m = org(org);
        synchronized (m) {
            if (model.model().equals(m.defaults.get(model.provider()))) {
                throw OrgModelsView.defaultNotRemovable(org, model);
            }
            m.allowed.remove(model);
            m.labels.remove(model);
            m.features.values().removeIf(p -> p.model().equals(model));
            m.fallbacks = m.fallbacks.stream().filter(f -> !f.equals(model)).toList();
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setDefault(OrgId org, ModelRef model) {
        OrgModels m = org(org);
        synchronized (m) {
            m.view().requireAllowed(org, model);
            m.defaults.put(model.provider(), model.model());
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setDefaultProvider(OrgId org, ProviderId provider) {
        OrgModels m = org(org);
        synchronized (m) {
            if (!m.defaults.containsKey(provider)) {
                throw new ConfigurationException(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL, org.value(), "org " + org
                        + " has no default " + provider + " model; set one before making " + provider
                        + " the default provider");
            }
            m.defaultProvider = provider;
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setFeaturePreference(OrgId org, String feature, ModelRef model,
            Integer maxOutputTokens) {
        OrgModels m = org(org);
        synchronized (m) {
            m.view().requireAllowed(org, model);
            m.features.put(Objects.requireNonNull(feature), new FeaturePreference(model, maxOutputTokens));
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setFallbacks(OrgId org, List<ModelRef> chain) {
        OrgModels m = org(org);
        synchronized (m) {
            chain.forEach(ref -> m.view().requireAllowed(org, ref));
            m.fallbacks = List.copyOf(chain);
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog removeProvider(OrgId org, ProviderId provider) {
        OrgModels m = org(org);
        synchronized (m) {
            m.allowed.keySet().removeIf(r -> r.provider().equals(provider));
            m.labels.keySet().removeIf(r -> r.provider().equals(provider));
            m.defaults.remove(provider);
            m.features.values().removeIf(p -> p.model().provider().equals(provider));
            m.fallbacks = m.fallbacks.stream().filter(f -> !f.provider().equals(provider)).toList();
            if (provider.equals(m.defaultProvider)) {
                m.defaultProvider = null;
            }
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setOrgTiers(OrgId org, Set<String> tiers) {
        OrgModels m = org(org);
        synchronized (m) {
            m.tiers = Set.copyOf(OrgModelsView.requireTiers(org, tiers, plan));
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setGroupTiers(OrgId org, String group, Set<String> tiers) {
        OrgModels m = org(org);
        synchronized (m) {
            if (tiers == null) {
                m.groupTiers.remove(group);
            } else {
                m.groupTiers.put(Objects.requireNonNull(group), Set.copyOf(OrgModelsView.requireTiers(org, tiers, plan)));
            }
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog setUserTiers(OrgId org, String user, Set<String> tiers) {
        OrgModels m = org(org);
        synchronized (m) {
            if (tiers == null) {
                m.userTiers.remove(user);
            } else {
                m.userTiers.put(Objects.requireNonNull(user), Set.copyOf(OrgModelsView.requireTiers(org, tiers, plan)));
            }
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog deny(OrgId org, ModelRef model) {
        OrgModels m = org(org);
        synchronized (m) {
            m.denied.add(Objects.requireNonNull(model));
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog undeny(OrgId org, ModelRef model) {
        OrgModels m = org(org);
        synchronized (m) {
            m.denied.remove(model);
        }
        return this;
    }

    @Override
    public List<dev.aitenancy.models.PreferredModel> featurePreferences(OrgId org) {
        OrgModels m = orgs.get(org);
        if (m == null) {
            return List.of();
        }
        synchronized (m) {
            return m.features.entrySet().stream()
                    .map(e -> new dev.aitenancy.models.PreferredModel(e.getKey(), e.getValue().model(),
                            e.getValue().maxOutputTokens()))
                    .sorted(Comparator.comparing(dev.aitenancy.models.PreferredModel::feature))
                    .toList();
        }
    }

    @Override
    public dev.aitenancy.models.ModelAccessSettings accessSettings(OrgId org) {
        OrgModels m = orgs.get(org);
        if (m == null) {
            return new dev.aitenancy.models.ModelAccessSettings(null, Set.of(), Map.of(), Map.of(), Set.of());
        }
        synchronized (m) {
            return m.view().accessSettings();
        }
    }

    @Override
    public List<ModelRef> fallbacks(OrgId org) {
        OrgModels m = orgs.get(org);
        if (m == null) {
            return List.of();
        }
        synchronized (m) {
            return m.fallbacks;
        }
    }

    @Override
    public List<OrgModel> models(OrgId org) {
        OrgModels m = orgs.get(org);
        if (m == null) {
            return List.of();
        }
        synchronized (m) {
            return m.allowed.entrySet().stream()
                    .map(e -> new OrgModel(e.getKey(), m.labels.get(e.getKey()), e.getValue(),
                            e.getKey().model().equals(m.defaults.get(e.getKey().provider()))))
                    .sorted(Comparator.comparing((OrgModel o) -> o.ref().provider()).thenComparing(o -> o.ref().model()))
                    .toList();
        }
    }

    @Override
    public ResolvedModel resolve(OrgId org, Caller caller, ModelRequest request) {
        OrgModels m = orgs.get(org);
        if (m == null) {
            return new OrgModels().view().resolve(org, caller, request, registry::get, plan);
        }
        synchronized (m) {
            return m.view().resolve(org, caller, request, registry::get, plan);
        }
    }

    private OrgModels org(OrgId org) {
        return orgs.computeIfAbsent(Objects.requireNonNull(org, "org"), o -> new OrgModels());
    }
}
