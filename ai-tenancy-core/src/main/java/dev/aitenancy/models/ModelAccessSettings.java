package dev.aitenancy.models;

import dev.aitenancy.provider.ProviderId;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How an org routes and restricts calls beyond its allowed models: the provider whose default model
 * serves calls that name nothing, the tiers it subscribes to (empty: no tier restriction), the
 * tiers its groups and users are narrowed to, and its denylist.
 *
 * @param defaultProvider null when none is chosen
 */
public record ModelAccessSettings(ProviderId defaultProvider, Set<String> orgTiers,
        Map<String, Set<String>> groupTiers, Map<String, Set<String>> userTiers, Set<ModelRef> denied) {

    public ModelAccessSettings {
        orgTiers = Collections.unmodifiableSortedSet(new TreeSet<>(orgTiers));
        groupTiers = sorted(groupTiers);
        userTiers = sorted(userTiers);
        denied = Set.copyOf(denied);
    }

    private static Map<String, Set<String>> sorted(Map<String, Set<String>> narrowed) {
        Map<String, Set<String>> out = new TreeMap<>();
        narrowed.forEach((subject, tiers) -> out.put(subject, Collections.unmodifiableSortedSet(new TreeSet<>(tiers))));
        return Collections.unmodifiableMap(out);
    }
}
