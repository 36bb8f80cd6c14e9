package dev.aitenancy.memory;

import dev.aitenancy.AccessDeniedException;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    public static final int FALLBACK_MAX_OUTPUT_TOKENS = 4096;

    private record Allowed(Integer maxOutputTokens) {
    }

    private record FeaturePreference(ProviderId provider, String model, Integer maxOutputTokens) {
    }

    private static final class OrgModels {
        final Map<ModelRef, Allowed> allowed = new LinkedHashMap<>();
        final Map<ProviderId, String> defaults = new LinkedHashMap<>();
        ProviderId defaultProvider;
        final Map<String, FeaturePreference> features = new LinkedHashMap<>();
        List<ModelRef> fallbacks = List.of();
    }

    private final Map<ModelRef, ModelSpec> registry = new ConcurrentHashMap<>();
    private final Map<OrgId, OrgModels> orgs = new ConcurrentHashMap<>();

    /** A catalog whose registry starts empty: every model is unpriced until registered. */
    public InMemoryModelCatalog() {
    }

    /** A catalog whose registry starts with {@code registry}'s models. */
    public InMemoryModelCatalog(ModelRegistry registry) {
        registry.all().forEach(this::register);
    }

    /** A catalog that knows the limits and prices of the {@linkplain ModelRegistry#builtIn() built-in models}. */
    public static InMemoryModelCatalog withBuiltInModels() {
        return new InMemoryModelCatalog(ModelRegistry.builtIn());
    }

    /** Adds or replaces a model in the global registry. */
    public InMemoryModelCatalog register(ModelSpec spec) {
        registry.put(spec.ref(), spec);
        return this;
    }

    /** Allows the org a model, with an optional org-specific output cap (clamped to the model's own). */
    @Override
    public InMemoryModelCatalog allow(OrgId org, ModelRef model, Integer maxOutputTokens) {
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
        ModelSpec spec = registry.get(model);
        Integer cap = maxOutputTokens != null && spec != null && spec.maxOutputTokens() != null
                ? Integer.valueOf(Math.min(maxOutputTokens, spec.maxOutputTokens())) : maxOutputTokens;
        OrgModels m = org(org);
        synchronized (m) {
            m.allowed.put(model, new Allowed(cap));
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog remove(OrgId org, ModelRef model) {
        OrgModels m = org(org);
        synchronized (m) {
            if (model.model().equals(m.defaults.get(model.provider()))) {
                throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), model
                        + " is the default " + model.provider() + " model of org " + org
                        + "; choose another default first");
            }
            m.allowed.remove(model);
            m.features.values().removeIf(p -> p.provider().equals(model.provider()) && p.model().equals(model.model()));
            m.fallbacks = m.fallbacks.stream().filter(f -> !f.equals(model)).toList();
        }
        return this;
    }

    @Override
    public InMemoryModelCatalog removeProvider(OrgId org, ProviderId provider) {
        OrgModels m = org(org);
        synchronized (m) {
            m.allowed.keySet().removeIf(r -> r.provider().equals(provider));
            m.defaults.remove(provider);
            m.features.values().removeIf(p -> p.provider().equals(provider));
            m.fallbacks = m.fallbacks.stream().filter(f -> !f.provider().equals(provider)).toList();
            if (provider.equals(m.defaultProvider)) {
                m.defaultProvider = null;
            }
        }
        return this;
    }

    @Override
    public List<OrgModel> models(OrgId org) {
        OrgModels m = orgs.get(org);
        if (m == null) {
            return List.of();
        }
        synchronized (m) {
            return m.allowed.entrySet().stream()
                    .map(e -> new OrgModel(e.getKey(), e.getValue().maxOutputTokens(),
                            e.getKey().model().equals(m.defaults.get(e.getKey().provider()))))
                    .sorted(java.util.Comparator.comparing((OrgModel o) -> o.ref().provider())
                            .thenComparing(o -> o.ref().model()))
                    .toList();
        }
    }

    public InMemoryModelCatalog allow(OrgId org, ModelRef model) {
        return allow(org, model, null);
    }

    /** Makes an allowed model the org's default for its provider (replacing the previous one). */
    @Override
    public InMemoryModelCatalog setDefault(OrgId org, ModelRef model) {
        OrgModels m = org(org);
        synchronized (m) {
            requireAllowed(org, m, model);
            m.defaults.put(model.provider(), model.model());
        }
        return this;
    }

    /** Chooses the provider whose default model serves calls that name nothing. */
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

    /** Routes a feature to a model (which must be allowed), optionally with its own output cap. */
    @Override
    public InMemoryModelCatalog setFeaturePreference(OrgId org, String feature, ModelRef model,
            Integer maxOutputTokens) {
        OrgModels m = org(org);
        synchronized (m) {
            requireAllowed(org, m, model);
            m.features.put(Objects.requireNonNull(feature),
                    new FeaturePreference(model.provider(), model.model(), maxOutputTokens));
        }
        return this;
    }

    /** The models to try, in order, when the chosen one fails with a retryable provider error. */
    @Override
    public InMemoryModelCatalog setFallbacks(OrgId org, List<ModelRef> chain) {
        OrgModels m = org(org);
        synchronized (m) {
            chain.forEach(ref -> requireAllowed(org, m, ref));
            m.fallbacks = List.copyOf(chain);
        }
        return this;
    }

    @Override
    public ResolvedModel resolve(OrgId org, Caller caller, ModelRequest request) {
        if (request.maxOutputTokens() != null && request.maxOutputTokens() <= 0) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(),
                    "maxOutputTokens must be > 0, was " + request.maxOutputTokens());
        }
        OrgModels m = orgs.get(org);
        if (m == null) {
            throw noDefault(org, "org " + org + " has no models configured; allow a model and choose a default");
        }
        synchronized (m) {
            ModelRef chosen;
            Integer requestedCap = request.maxOutputTokens();
            if (request.model() != null) {
                chosen = findAllowed(org, m, request.provider(), request.model());
            } else if (request.provider() != null) {
                String def = m.defaults.get(request.provider());
                if (def == null) {
                    throw noDefault(org, "org " + org + " has no default " + request.provider()
                            + " model; name a model or set a default for " + request.provider());
                }
                chosen = new ModelRef(request.provider(), def);
            } else if (request.feature() != null && m.features.containsKey(request.feature())) {
                FeaturePreference p = m.features.get(request.feature());
                chosen = new ModelRef(p.provider(), p.model());
                requestedCap = requestedCap != null ? requestedCap : p.maxOutputTokens();
            } else if (m.defaultProvider != null) {
                chosen = new ModelRef(m.defaultProvider, m.defaults.get(m.defaultProvider));
            } else {
                throw noDefault(org, "org " + org + " has no default provider; choose one"
                        + (m.defaults.isEmpty() ? " after setting a default model" : " of " + m.defaults.keySet())
                        + ", or name a provider or model in the request");
            }
            requireAllowed(org, m, chosen);
            List<ResolvedModel> fallbacks = new ArrayList<>();
            for (ModelRef f : m.fallbacks) {
                if (!f.equals(chosen) && m.allowed.containsKey(f)) {
                    fallbacks.add(new ResolvedModel(f, clamp(m, f, requestedCap), registry.get(f), List.of()));
                }
            }
            return new ResolvedModel(chosen, clamp(m, chosen, requestedCap), registry.get(chosen), fallbacks);
        }
    }

    private int clamp(OrgModels m, ModelRef ref, Integer requested) {
        int cap = Integer.MAX_VALUE;
        Allowed a = m.allowed.get(ref);
        if (a != null && a.maxOutputTokens() != null) {
            cap = a.maxOutputTokens();
        }
        ModelSpec spec = registry.get(ref);
        if (spec != null && spec.maxOutputTokens() != null) {
            cap = Math.min(cap, spec.maxOutputTokens());
        }
        if (requested != null) {
            return Math.min(requested, cap);
        }
        return cap == Integer.MAX_VALUE ? FALLBACK_MAX_OUTPUT_TOKENS : cap;
    }

    private static ModelRef findAllowed(OrgId org, OrgModels m, ProviderId provider, String model) {
        if (provider != null) {
            return new ModelRef(provider, model);
        }
        List<ModelRef> matches = m.allowed.keySet().stream().filter(r -> r.model().equals(model)).toList();
        if (matches.size() > 1) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(), "model '" + model
                    + "' is allowed for several providers " + matches + "; name the provider too");
        }
        if (matches.isEmpty()) {
            throw notAllowed(org, model);
        }
        return matches.get(0);
    }

    private static void requireAllowed(OrgId org, OrgModels m, ModelRef ref) {
        if (!m.allowed.containsKey(ref)) {
            throw notAllowed(org, ref.toString());
        }
    }

    private static AccessDeniedException notAllowed(OrgId org, String model) {
        return new AccessDeniedException(ErrorCode.AI_MODEL_NOT_ALLOWED, org.value(), "model " + model
                + " is not allowed for org " + org + "; an admin can add it to the org's models");
    }

    private static ConfigurationException noDefault(OrgId org, String message) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL, org.value(), message);
    }

    private OrgModels org(OrgId org) {
        return orgs.computeIfAbsent(Objects.requireNonNull(org, "org"), o -> new OrgModels());
    }
}
