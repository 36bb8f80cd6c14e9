package dev.aitenancy.preferences;

import dev.aitenancy.models.ModelRef;
import java.util.ArrayList;
import java.util.List;

/**
 * The preferences that apply to one call, each part with the level it came from
 * ({@link PreferenceMerge#merge}). A part that no level set is null, and so is its level.
 *
 * @param tone                the tone to turn into a system instruction, or null
 * @param toneFrom            where {@code tone} was set
 * @param maxAnswerTokens     the answer length to ask the catalog for, or null
 * @param maxAnswerTokensFrom where {@code maxAnswerTokens} was set ({@link PreferenceLevel#ORG} also
 *                            when a user's larger value was clamped to the org's)
 * @param model               the model to ask the catalog for, or null
 * @param modelFrom           where {@code model} was set
 */
public record EffectivePreferences(String tone, PreferenceLevel toneFrom, Integer maxAnswerTokens,
        PreferenceLevel maxAnswerTokensFrom, ModelRef model, PreferenceLevel modelFrom) {

    /** Nothing applies. */
    public static final EffectivePreferences NONE = new EffectivePreferences(null, null, null, null, null, null);

    public EffectivePreferences {
        paired("tone", tone, toneFrom);
        paired("maxAnswerTokens", maxAnswerTokens, maxAnswerTokensFrom);
        paired("model", model, modelFrom);
    }

    private static void paired(String part, Object value, PreferenceLevel from) {
        if ((value == null) != (from == null)) {
            throw new IllegalArgumentException("a " + part + " and the level it came from are given together or "
                    + "not at all");
        }
    }

    /** Whether no part applies. */
    public boolean isEmpty() {
        return toneFrom == null && maxAnswerTokensFrom == null && modelFrom == null;
    }

    /**
     * Which part came from which level, for the usage record: the parts that apply in the order tone,
     * maxAnswerTokens, model, each as {@code part:level}, joined by {@code ','} — e.g.
     * {@code tone:user,maxAnswerTokens:org,model:request} — or null when none applies.
     */
    public String applied() {
        List<String> parts = new ArrayList<>(3);
        if (toneFrom != null) {
            parts.add("tone:" + toneFrom.wireName());
        }
        if (maxAnswerTokensFrom != null) {
            parts.add("maxAnswerTokens:" + maxAnswerTokensFrom.wireName());
        }
        if (modelFrom != null) {
            parts.add("model:" + modelFrom.wireName());
        }
        return parts.isEmpty() ? null : String.join(",", parts);
    }
}
