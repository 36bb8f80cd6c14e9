package dev.aitenancy.spi;

import dev.aitenancy.AccessDeniedException;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.models.Tier;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One org's model configuration as read at one moment, and the resolution rules over it, shared
 * by the in-memory and the JDBC catalogs so both decide the same way.
 *
 * @param allowed         allowed models and the org's cap for each (null: none)
 * @param defaults        the default model name per provider
 * @param defaultProvider the provider serving calls that name nothing, or null
 * @param features        feature preferences
 * @param fallbacks       the fallback chain in order
 * @param access          tier subscriptions, narrowings and the denylist
 */
public record OrgModelsView(Map<ModelRef, Integer> allowed, Map<ProviderId, String> defaults,
        ProviderId defaultProvider, Map<String, FeaturePreference> features, List<ModelRef> fallbacks,
        Access access) {

    /** What an admin reads back of this view: the default provider, the tiers and narrowings, the denylist. */
    public dev.aitenancy.models.ModelAccessSettings accessSettings() {
        return new dev.aitenancy.models.ModelAccessSettings(defaultProvider, access.orgTiers(), access.groupTiers(),
                access.userTiers(), access.denied());
    }

    /**
     * Who may use which tier, and which models are denied outright.
     *
     * @param orgTiers   the tiers the org subscribes to; empty means tiers do not apply to it
     * @param groupTiers tiers a group is narrowed to (groups not listed are not narrowed)
     * @param userTiers  tiers a user is narrowed to (users not listed are not narrowed)
     * @param denied     models the org never uses, whatever else says
     */
    public record Access(Set<String> orgTiers, Map<String, Set<String>> groupTiers,
            Map<String, Set<String>> userTiers, Set<ModelRef> denied) {

        public static final Access NONE = new Access(Set.of(), Map.of(), Map.of(), Set.of());

        /** The tiers this caller may use: the org's, narrowed by the user's and the caller's groups'. */
        Set<String> tiersOf(Caller caller) {
            Set<String> tiers = new TreeSet<>(orgTiers);
            if (caller.userId() != null && userTiers.containsKey(caller.userId())) {
                tiers.retainAll(userTiers.get(caller.userId()));
            }
            Set<String> fromGroups = null;
            for (String group : caller.groupIds()) {
                if (groupTiers.containsKey(group)) {
                    if (fromGroups == null) {
                        fromGroups = new TreeSet<>();
                    }
                    fromGroups.addAll(groupTiers.get(group));
                }
            }
            if (fromGroups != null) {
                tiers.retainAll(fromGroups);
            }
            return tiers;
        }
    }

    /** Output cap used when neither the request, the org nor the registry gives one. */
    public static final int FALLBACK_MAX_OUTPUT_TOKENS = 4096;

    /** A feature routed to a model, optionally with its own output cap. */
    public record FeaturePreference(ModelRef model, Integer maxOutputTokens) {
    }

    /** Resolves a request against this configuration; see {@link dev.aitenancy.models.ModelCatalog}. */
    public ResolvedModel resolve(OrgId org, Caller caller, ModelRequest request,
            Function<ModelRef, ModelSpec> registry, TierPlan plan) {
        if (request.maxOutputTokens() != null && request.maxOutputTokens() <= 0) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(),
                    "maxOutputTokens must be > 0, was " + request.maxOutputTokens());
        }
        if (allowed.isEmpty()) {
            throw noDefault(org, "org " + org + " has no models configured; allow a model and choose a default");
        }
        ModelRef chosen;
        Integer requestedCap = request.maxOutputTokens();
        if (request.model() != null) {
            chosen = findAllowed(org, request.provider(), request.model());
        } else if (request.provider() != null) {
            String def = defaults.get(request.provider());
            if (def == null) {
                throw noDefault(org, "org " + org + " has no default " + request.provider()
                        + " model; name a model or set a default for " + request.provider());
            }
            chosen = new ModelRef(request.provider(), def);
        } else if (request.feature() != null && features.containsKey(request.feature())) {
            FeaturePreference p = features.get(request.feature());
            chosen = p.model();
            requestedCap = requestedCap != null ? requestedCap : p.maxOutputTokens();
        } else if (defaultProvider != null && defaults.containsKey(defaultProvider)) {
            chosen = new ModelRef(defaultProvider, defaults.get(defaultProvider));
        } else {
            throw noDefault(org, "org " + org + " has no default provider; choose one"
                    + (defaults.isEmpty() ? " after setting a default model" : " of " + defaults.keySet())
                    + ", or name a provider or model in the request");
        }
        requireAllowed(org, chosen);
        requireTier(org, caller, chosen, plan);
        List<ResolvedModel> chain = new ArrayList<>();
        for (ModelRef f : fallbacks) {
            if (!f.equals(chosen) && allowed.containsKey(f) && !access.denied().contains(f)
                    && tierProblem(caller, f, plan) == null) {
                chain.add(new ResolvedModel(f, clamp(f, requestedCap, registry), registry.apply(f),
                        accessTier(caller, f, plan), List.of()));
            }
        }
        return new ResolvedModel(chosen, clamp(chosen, requestedCap, registry), registry.apply(chosen),
                accessTier(caller, chosen, plan), chain);
    }

    /** Throws {@code AI_MODEL_NOT_ALLOWED} unless the model is on the allowlist and not denied. */
    public void requireAllowed(OrgId org, ModelRef ref) {
        if (!allowed.containsKey(ref)) {
            throw notAllowed(org, ref.toString());
        }
        if (access.denied().contains(ref)) {
            throw new AccessDeniedException(ErrorCode.AI_MODEL_NOT_ALLOWED, org.value(), "model " + ref
                    + " is on the denylist of org " + org + "; an admin can take it off");
        }
    }

    private void requireTier(OrgId org, Caller caller, ModelRef model, TierPlan plan) {
        String problem = tierProblem(caller, model, plan);
        if (problem != null) {
            throw new AccessDeniedException(ErrorCode.AI_TIER_DENIED, org.value(), problem);
        }
    }

    /** The lowest of the caller's tiers that lists the model, or null when the org is not on tiers. */
    private Tier accessTier(Caller caller, ModelRef model, TierPlan plan) {
        if (access.orgTiers().isEmpty()) {
            return null;
        }
        Set<String> mine = access.tiersOf(caller);
        return plan.tiers().stream().filter(t -> t.models().contains(model) && mine.contains(t.name())).findFirst()
                .orElse(null);
    }

    /** Why the caller may not use the model under the org's tiers, or null when they may. */
    private String tierProblem(Caller caller, ModelRef model, TierPlan plan) {
        if (access.orgTiers().isEmpty()) {
            return null;
        }
        Optional<Tier> needed = plan.tierOf(model);
        if (needed.isEmpty()) {
            return "model " + model + " is in none of the tiers; an admin can add it to a tier";
        }
        Set<String> mine = access.tiersOf(caller);
        for (Tier t : plan.tiers()) {
            if (t.models().contains(model) && mine.contains(t.name())) {
                return null;
            }
        }
        return "model " + model + " needs the " + needed.get().name() + " tier; "
                + (caller.userId() == null ? "this caller has " : "user " + caller.userId() + " has ")
                + (mine.isEmpty() ? "no tier" : "only " + String.join(", ", mine));
    }

    private int clamp(ModelRef ref, Integer requested, Function<ModelRef, ModelSpec> registry) {
        int cap = Integer.MAX_VALUE;
        Integer orgCap = allowed.get(ref);
        if (orgCap != null) {
            cap = orgCap;
        }
        ModelSpec spec = registry.apply(ref);
        if (spec != null && spec.maxOutputTokens() != null) {
            cap = Math.min(cap, spec.maxOutputTokens());
        }
        if (requested != null) {
            return Math.min(requested, cap);
        }
        return cap == Integer.MAX_VALUE ? FALLBACK_MAX_OUTPUT_TOKENS : cap;
    }

    private ModelRef findAllowed(OrgId org, ProviderId provider, String model) {
        if (provider != null) {
            return new ModelRef(provider, model);
        }
        List<ModelRef> matches = allowed.keySet().stream().filter(r -> r.model().equals(model)).toList();
        if (matches.size() > 1) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org.value(), "model '" + model
                    + "' is allowed for several providers " + matches + "; name the provider too");
        }
        if (matches.isEmpty()) {
            throw notAllowed(org, model);
        }
        return matches.get(0);
    }

    /** The refusal for a model off the allowlist. */
    public static AccessDeniedException notAllowed(OrgId org, String model) {
        return new AccessDeniedException(ErrorCode.AI_MODEL_NOT_ALLOWED, org.value(), "model " + model
                + " is not allowed for org " + org + "; an admin can add it to the org's models");
    }

    /** The refusal when nothing names a model. */
    public static ConfigurationException noDefault(OrgId org, String message) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL, org.value(), message);
    }

    /** The refusal to remove a provider's default model. */
    public static ConfigurationException defaultNotRemovable(OrgId org, ModelRef model) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), model + " is the default "
                + model.provider() + " model of org " + org + "; choose another default first");
    }

    /**
     * The tier names, each checked against the plan.
     *
     * @throws ConfigurationException {@code AI_CONFIG_INVALID} naming an unknown tier
     */
    public static Set<String> requireTiers(OrgId org, Set<String> tiers, TierPlan plan) {
        for (String t : tiers) {
            if (plan.tier(t).isEmpty()) {
                throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "there is no tier '" + t
                        + "'; the tiers are " + plan.tiers().stream().map(Tier::name).toList());
            }
        }
        return tiers;
    }

    /** The org's cap for a model, clamped to the model's own cap when the registry knows it. */
    public static Integer clampAllowance(Integer maxOutputTokens, ModelSpec spec) {
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
        return maxOutputTokens != null && spec != null && spec.maxOutputTokens() != null
                ? Integer.valueOf(Math.min(maxOutputTokens, spec.maxOutputTokens())) : maxOutputTokens;
    }
}
