package dev.aitenancy.preferences;

import dev.aitenancy.models.ModelRef;

/**
 * The rule that decides which AI preferences apply to a call. A pure function: no store, no clock.
 *
 * <p><b>Each part on its own</b> (tone, max answer tokens, model): the request's value if it sets
 * one, else the user's, else the org's, else none — {@code request > user > org}. A level that sets
 * one part does not hide the other parts of a lower level: a user who sets only a tone still gets
 * the org's model.
 *
 * <p><b>Users stay within the org's answer length.</b> When the org sets {@code maxAnswerTokens}, a
 * user's larger value is clamped to the org's, and the part counts as coming from the org
 * ({@code maxAnswerTokens:org} in {@link EffectivePreferences#applied()}): the record names the level
 * whose value the call used. A user's smaller value applies as the user's. The request is the host's
 * own code and is not clamped by the org's preference; the catalog still clamps whatever is asked
 * to the org's cap for the model and the model's own cap.
 *
 * <p><b>A model preference is only a preference.</b> The merge never checks that the model is
 * allowed: the effective model is what the call asks the {@link dev.aitenancy.models.ModelCatalog}
 * for, which refuses a model the caller may not use ({@code AI_MODEL_NOT_ALLOWED},
 * {@code AI_TIER_DENIED}) exactly as if the request had named it.
 *
 * <p><b>Feature preferences come last.</b> An org's feature preference (a feature routed to a model,
 * optionally with an output cap; {@link dev.aitenancy.models.ModelAdmin#setFeaturePreference}) is
 * below all three levels: the effective model and max answer tokens are given to the catalog as the
 * request's model and output cap, so a request, user or org preference beats the feature's route
 * and cap; where no level sets a model (or a length) the catalog's own rule applies — the feature
 * preference, then the org's default model (and the feature's cap, then the model's). So the whole
 * order is {@code request > user > org > feature preference > org default}. The feature preference
 * is the catalog's choice, not an AI preference, and is not named in {@code applied()}.
 */
public final class PreferenceMerge {

    private PreferenceMerge() {
    }

    /**
     * The preferences that apply to one call; any argument may be null for "nothing set" at that level.
     *
     * @param request what the call itself asks for
     * @param user    the calling user's own preferences ({@link Preferences#user})
     * @param org     the org's defaults ({@link Preferences#org})
     */
    public static EffectivePreferences merge(AiPreferences request, AiPreferences user, AiPreferences org) {
        AiPreferences r = request == null ? AiPreferences.NONE : request;
        AiPreferences u = user == null ? AiPreferences.NONE : user;
        AiPreferences o = org == null ? AiPreferences.NONE : org;

        String tone = null;
        PreferenceLevel toneFrom = null;
        if (r.tone() != null) {
            tone = r.tone();
            toneFrom = PreferenceLevel.REQUEST;
        } else if (u.tone() != null) {
            tone = u.tone();
            toneFrom = PreferenceLevel.USER;
        } else if (o.tone() != null) {
            tone = o.tone();
            toneFrom = PreferenceLevel.ORG;
        }

        Integer tokens = null;
        PreferenceLevel tokensFrom = null;
        if (r.maxAnswerTokens() != null) {
            tokens = r.maxAnswerTokens();
            tokensFrom = PreferenceLevel.REQUEST;
        } else if (u.maxAnswerTokens() != null
                && (o.maxAnswerTokens() == null || u.maxAnswerTokens() <= o.maxAnswerTokens())) {
            tokens = u.maxAnswerTokens();
            tokensFrom = PreferenceLevel.USER;
        } else if (o.maxAnswerTokens() != null) { // the org's default, or the ceiling of a larger user value
            tokens = o.maxAnswerTokens();
            tokensFrom = PreferenceLevel.ORG;
        }

        ModelRef model = null;
        PreferenceLevel modelFrom = null;
        if (r.model() != null) {
            model = r.model();
            modelFrom = PreferenceLevel.REQUEST;
        } else if (u.model() != null) {
            model = u.model();
            modelFrom = PreferenceLevel.USER;
        } else if (o.model() != null) {
            model = o.model();
            modelFrom = PreferenceLevel.ORG;
        }
        return new EffectivePreferences(tone, toneFrom, tokens, tokensFrom, model, modelFrom);
    }
}
