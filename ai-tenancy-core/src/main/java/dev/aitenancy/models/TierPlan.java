package dev.aitenancy.models;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The host's tiers, from the lowest to the highest. A model's tier is the lowest one that lists it,
 * which is the tier a caller needs to use it.
 */
public final class TierPlan {

    /** The default tier names, lowest first. */
    public static final List<String> DEFAULT_NAMES = List.of("basic", "standard", "premium");

    private final Map<String, Tier> tiers;

    private TierPlan(List<Tier> ordered) {
        Map<String, Tier> map = new LinkedHashMap<>();
        for (Tier t : ordered) {
            if (map.put(t.name(), t) != null) {
                throw new IllegalArgumentException("tier " + t.name() + " is defined twice");
            }
        }
        this.tiers = map;
    }

    /** Tiers from the lowest to the highest. */
    public static TierPlan of(List<Tier> lowestFirst) {
        return new TierPlan(List.copyOf(lowestFirst));
    }

    /**
     * basic / standard / premium from list prices: basic holds the models whose output costs at most
     * 2 USD per 1M tokens, standard at most 16, premium every priced model. Unpriced models are in
     * no tier. Rates are left to the host (null).
     */
    public static TierPlan byListPrice(ModelRegistry registry) {
        Set<ModelRef> basic = new HashSet<>();
        Set<ModelRef> standard = new HashSet<>();
        Set<ModelRef> premium = new HashSet<>();
        for (ModelSpec spec : registry.all()) {
            BigDecimal out = spec.outputPricePer1M();
            if (out == null) {
                continue;
            }
            premium.add(spec.ref());
            if (out.compareTo(BigDecimal.valueOf(16)) <= 0) {
                standard.add(spec.ref());
            }
            if (out.compareTo(BigDecimal.valueOf(2)) <= 0) {
                basic.add(spec.ref());
            }
        }
        return of(List.of(new Tier("basic", basic, null, null), new Tier("standard", standard, null, null),
                new Tier("premium", premium, null, null)));
    }

    /** No tiers at all. */
    public static TierPlan none() {
        return of(List.of());
    }

    public Optional<Tier> tier(String name) {
        return Optional.ofNullable(tiers.get(name));
    }

    /** The lowest tier that lists the model. */
    public Optional<Tier> tierOf(ModelRef model) {
        return tiers.values().stream().filter(t -> t.models().contains(model)).findFirst();
    }

    public List<Tier> tiers() {
        return new ArrayList<>(tiers.values());
    }
}
