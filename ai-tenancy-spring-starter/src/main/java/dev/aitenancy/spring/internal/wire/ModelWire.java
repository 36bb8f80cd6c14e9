package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.OrgModel;
import dev.aitenancy.models.PreferredModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bodies of an org's models: {@code /models}, {@code /default-provider},
 * {@code /feature-preferences}, {@code /fallbacks}, {@code /denied-models}, {@code /model-access}. Request fields they
 * do not have are ignored.
 */
public final class ModelWire {

    private ModelWire() {
    }

    /** Adds a model to the org's allowlist or changes it: {@code {maxOutputTokens?, label?}}; no body is {@code {}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AllowModelRequest(Integer maxOutputTokens, String label) {
    }

    /** {@code {"provider": "openai"}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DefaultProviderRequest(String provider) {
    }

    /** Routes a feature to an allowed model: {@code {provider, model, maxOutputTokens?}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FeaturePreferenceRequest(String provider, String model, Integer maxOutputTokens) {
    }

    /** {@code {"models": ["openai/gpt-4.1-mini", …]}}, tried in order; {@code []} removes the chain. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FallbacksRequest(@JsonSetter(contentNulls = Nulls.FAIL) List<String> models) {
    }

    /** A model the org may use, with its output cap (clamped to the model's own) and whether it is its provider's default. */
    public record ModelView(String provider, String model, String label, Integer maxOutputTokens,
            @JsonProperty("default") boolean isDefault) {

        public static ModelView of(OrgModel m) {
            return new ModelView(m.ref().provider().name(), m.ref().model(), m.label(), m.maxOutputTokens(),
                    m.isDefault());
        }
    }

    /** {@code GET /models}: the org's models by provider, providers and models in name order. */
    public static SortedMap<String, List<ModelView>> byProvider(List<OrgModel> models) {
        SortedMap<String, List<ModelView>> out = new TreeMap<>();
        for (OrgModel m : models) {
            out.computeIfAbsent(m.ref().provider().name(), k -> new ArrayList<>()).add(ModelView.of(m));
        }
        return out;
    }

    /** {@code provider} and {@code model} as given in the path. */
    public record ModelRemovedView(String provider, String model, boolean removed) {
    }

    /** {@code defaultProvider} as given in the request. */
    public record DefaultProviderView(String defaultProvider) {
    }

    /** A feature routed to a model; {@code maxOutputTokens} null when the feature has no cap of its own. */
    public record FeaturePreferenceView(String feature, String provider, String model, Integer maxOutputTokens) {

        public static FeaturePreferenceView of(PreferredModel p) {
            return of(p.feature(), p.model(), p.maxOutputTokens());
        }

        public static FeaturePreferenceView of(String feature, ModelRef model, Integer maxOutputTokens) {
            return new FeaturePreferenceView(feature, model.provider().name(), model.model(), maxOutputTokens);
        }
    }

    /** The fallback chain as {@code provider/model} names. */
    public record FallbacksView(List<String> fallbacks) {

        public static FallbacksView of(List<ModelRef> chain) {
            return new FallbacksView(chain.stream().map(ModelRef::toString).toList());
        }
    }

    /**
     * {@code GET /model-access}: the default provider (null when none), the tiers the org subscribes
     * to (empty: no restriction), the tiers each group and user is narrowed to, and the denylist.
     */
    public record ModelAccessView(String defaultProvider, List<String> tiers, SortedMap<String, List<String>> groupTiers,
            SortedMap<String, List<String>> userTiers, List<String> deniedModels) {

        public static ModelAccessView of(dev.aitenancy.models.ModelAccessSettings s) {
            SortedMap<String, List<String>> groups = new TreeMap<>();
            s.groupTiers().forEach((g, t) -> groups.put(g, List.copyOf(t)));
            SortedMap<String, List<String>> users = new TreeMap<>();
            s.userTiers().forEach((u, t) -> users.put(u, List.copyOf(t)));
            return new ModelAccessView(s.defaultProvider() == null ? null : s.defaultProvider().name(),
                    List.copyOf(s.orgTiers()), groups, users,
                    s.denied().stream().map(ModelRef::toString).sorted().toList());
        }
    }

    /** {@code provider} and {@code model} as given in the path; {@code denied} false once lifted. */
    public record ModelDeniedView(String provider, String model, boolean denied) {
    }
}
