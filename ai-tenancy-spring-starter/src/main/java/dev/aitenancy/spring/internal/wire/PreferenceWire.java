package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.EffectivePreferences;
import dev.aitenancy.preferences.PreferenceLevel;

/**
 * The bodies of AI preferences: {@code /preferences} (the org's defaults),
 * {@code /preferences/me} (the caller's own) and {@code /preferences/users/{user}}. Request fields
 * they do not have are ignored.
 */
public final class PreferenceWire {

    private PreferenceWire() {
    }

    /**
     * Replaces one level's preferences whole: {@code {tone?, maxAnswerTokens?, provider?, model?}};
     * a field left out (or null) is not set afterwards, {@code {}} removes them all. A model override
     * names {@code provider} and {@code model} together.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PreferencesRequest(String tone, Integer maxAnswerTokens, String provider, String model) {
    }

    /** One level's preferences; a part not set there is null. */
    public record PreferencesView(String tone, Integer maxAnswerTokens, String provider, String model) {

        public static PreferencesView of(AiPreferences p) {
            return new PreferencesView(p.tone(), p.maxAnswerTokens(),
                    p.model() == null ? null : p.model().provider().name(), p.model() == null ? null : p.model().model());
        }
    }

    /**
     * What applies to the user's calls when a call asks for nothing itself: each part with the level
     * it came from ({@code user} or {@code org}), and {@code applied} as a usage record says it
     * ({@code tone:user,maxAnswerTokens:org}); nulls where nothing applies.
     */
    public record EffectiveView(String tone, String toneFrom, Integer maxAnswerTokens, String maxAnswerTokensFrom,
            String provider, String model, String modelFrom, String applied) {

        public static EffectiveView of(EffectivePreferences e) {
            return new EffectiveView(e.tone(), level(e.toneFrom()), e.maxAnswerTokens(),
                    level(e.maxAnswerTokensFrom()), e.model() == null ? null : e.model().provider().name(),
                    e.model() == null ? null : e.model().model(), level(e.modelFrom()), e.applied());
        }

        private static String level(PreferenceLevel l) {
            return l == null ? null : l.wireName();
        }
    }

    /** A user's own preferences, the org's defaults, and what applies to the user's calls. */
    public record UserPreferencesView(String user, PreferencesView preferences, PreferencesView org,
            EffectiveView effective) {
    }
}
