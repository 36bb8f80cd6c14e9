package dev.aitenancy;

import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.EffectivePreferences;
import dev.aitenancy.preferences.PreferenceLevel;
import dev.aitenancy.preferences.PreferenceMerge;
import dev.aitenancy.preferences.Preferences;
import dev.aitenancy.tenant.OrgId;

/**
 * Step 4 of a call with its AI preferences: the org's and the caller's merged under the request
 * (request > user > org > feature preference), the model resolved with them, and the system
 * instruction their tone adds.
 */
final class PreferencesApplied {

    private final Preferences preferences;

    PreferencesApplied(Preferences preferences) {
        this.preferences = preferences;
    }

    /** The call's preferences; the request's own model and output cap count as the request's level. */
    EffectivePreferences of(OrgId org, JobRequest request) {
        if (preferences == Preferences.none()) { // no store: the request's own cap is all there is
            return request.maxOutputTokens() == null ? EffectivePreferences.NONE : new EffectivePreferences(null, null,
                    request.maxOutputTokens(), PreferenceLevel.REQUEST, null, null);
        }
        String user = request.caller().userId();
        AiPreferences orgs = preferences.org(org);
        AiPreferences users = user == null ? AiPreferences.NONE : preferences.user(org, user);
        AiPreferences asked = new AiPreferences(null, request.maxOutputTokens(), null);
        EffectivePreferences merged = PreferenceMerge.merge(asked, users, orgs);
        if (request.model() != null || request.provider() != null) { // the request chose: no preferred model
            merged = withoutModel(merged);
        }
        return merged;
    }

    /**
     * The model the call uses: the preferred one when a preference names it and the caller may use
     * it, else what the request and the org's setup choose (a preferred model the org no longer
     * allows is passed over, not an error: the admin changed the allowlist, not the user).
     */
    Choice resolve(ModelCatalog models, OrgId org, JobRequest request, EffectivePreferences prefs) {
        EffectivePreferences applied = prefs;
        if (prefs.model() != null) {
            try {
                return new Choice(models.resolve(org, request.caller(), new ModelRequest(request.feature(),
                        prefs.model().provider(), prefs.model().model(), prefs.maxAnswerTokens())), prefs);
            } catch (AccessDeniedException notAllowed) {
                applied = withoutModel(prefs);
            }
        }
        return new Choice(models.resolve(org, request.caller(), new ModelRequest(request.feature(), request.provider(),
                request.model(), applied.maxAnswerTokens())), applied);
    }

    /** The model a call uses and the preferences that applied to it. */
    record Choice(ResolvedModel model, EffectivePreferences applied) {
    }

    /** The request's system prompt with the preferred tone after it, or as it is. */
    static String systemPrompt(JobRequest request, EffectivePreferences prefs) {
        if (prefs.tone() == null) {
            return request.systemPrompt();
        }
        String tone = "Answer in this tone and style: " + prefs.tone();
        return request.systemPrompt() == null || request.systemPrompt().isBlank() ? tone
                : request.systemPrompt() + "\n\n" + tone;
    }

    private static EffectivePreferences withoutModel(EffectivePreferences p) {
        return new EffectivePreferences(p.tone(), p.toneFrom(), p.maxAnswerTokens(), p.maxAnswerTokensFrom(), null,
                null);
    }
}
