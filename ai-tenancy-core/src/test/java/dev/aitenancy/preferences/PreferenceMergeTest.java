package dev.aitenancy.preferences;

import static dev.aitenancy.preferences.PreferenceLevel.ORG;
import static dev.aitenancy.preferences.PreferenceLevel.REQUEST;
import static dev.aitenancy.preferences.PreferenceLevel.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link PreferenceMerge}: request &gt; user &gt; org for each part on its own; users within the org's length. */
class PreferenceMergeTest {

    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final ModelRef HAIKU = ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5");

    static final AiPreferences REQ = new AiPreferences("request tone", 50, MINI);
    static final AiPreferences USR = new AiPreferences("user tone", 100, NANO);
    static final AiPreferences ORG_ = new AiPreferences("org tone", 400, HAIKU);

    @Test
    void nothingSetAnywhereAppliesNothing() {
        EffectivePreferences e = PreferenceMerge.merge(AiPreferences.NONE, AiPreferences.NONE, AiPreferences.NONE);

        assertThat(e).isEqualTo(EffectivePreferences.NONE);
        assertThat(e.isEmpty()).isTrue();
        assertThat(e.applied()).isNull();
        assertThat(PreferenceMerge.merge(null, null, null)).as("null is nothing set").isEqualTo(EffectivePreferences.NONE);
    }

    /** Every combination of levels setting every part: the strongest level that sets it wins. */
    @ParameterizedTest(name = "request {0}, user {1}, org {2} -> {3}")
    @CsvSource({
            "true,  true,  true,  request",
            "true,  true,  false, request",
            "true,  false, true,  request",
            "true,  false, false, request",
            "false, true,  true,  user",
            "false, true,  false, user",
            "false, false, true,  org",
            "false, false, false, ''"})
    void theStrongestLevelThatSetsAPartWins(boolean request, boolean user, boolean org, String winner) {
        EffectivePreferences e = PreferenceMerge.merge(request ? REQ : null, user ? USR : AiPreferences.NONE,
                org ? ORG_ : AiPreferences.NONE);

        AiPreferences expected = switch (winner) {
            case "request" -> REQ;
            case "user" -> USR;
            case "org" -> ORG_;
            default -> AiPreferences.NONE;
        };
        PreferenceLevel level = winner.isEmpty() ? null : PreferenceLevel.valueOf(winner.toUpperCase());
        assertThat(e).isEqualTo(new EffectivePreferences(expected.tone(), level, expected.maxAnswerTokens(), level,
                expected.model(), level));
        assertThat(e.applied()).isEqualTo(winner.isEmpty() ? null
                : "tone:" + winner + ",maxAnswerTokens:" + winner + ",model:" + winner);
    }

    @Test
    void eachPartIsDecidedOnItsOwn() {
        EffectivePreferences e = PreferenceMerge.merge(new AiPreferences(null, null, MINI),
                new AiPreferences("user tone", null, null), new AiPreferences("org tone", 300, HAIKU));

        assertThat(e).isEqualTo(new EffectivePreferences("user tone", USER, 300, ORG, MINI, REQUEST));
        assertThat(e.applied()).isEqualTo("tone:user,maxAnswerTokens:org,model:request");
    }

    @Test
    void aLevelSettingOnePartDoesNotHideTheOtherPartsBelowIt() {
        EffectivePreferences e = PreferenceMerge.merge(AiPreferences.NONE, new AiPreferences(null, null, NANO), ORG_);

        assertThat(e).isEqualTo(new EffectivePreferences("org tone", ORG, 400, ORG, NANO, USER));
        assertThat(e.applied()).isEqualTo("tone:org,maxAnswerTokens:org,model:user");
    }

    @Test
    void onlyThePartsThatApplyAreNamed() {
        assertThat(PreferenceMerge.merge(null, new AiPreferences("warm", null, null), null).applied())
                .isEqualTo("tone:user");
        assertThat(PreferenceMerge.merge(null, null, new AiPreferences(null, 10, null)).applied())
                .isEqualTo("maxAnswerTokens:org");
        assertThat(PreferenceMerge.merge(new AiPreferences(null, null, MINI), null, null).applied())
                .isEqualTo("model:request");
    }

    @Test
    void aUsersLengthAboveTheOrgsIsClampedToTheOrgsAndCountsAsTheOrgs() {
        AiPreferences org = new AiPreferences(null, 400, null);

        EffectivePreferences above = PreferenceMerge.merge(null, new AiPreferences(null, 1000, null), org);
        EffectivePreferences equal = PreferenceMerge.merge(null, new AiPreferences(null, 400, null), org);
        EffectivePreferences below = PreferenceMerge.merge(null, new AiPreferences(null, 100, null), org);
        EffectivePreferences noOrgLimit = PreferenceMerge.merge(null, new AiPreferences(null, 1000, null), null);

        assertThat(above.maxAnswerTokens()).isEqualTo(400);
        assertThat(above.maxAnswerTokensFrom()).isEqualTo(ORG);
        assertThat(above.applied()).isEqualTo("maxAnswerTokens:org");
        assertThat(equal.maxAnswerTokens()).isEqualTo(400);
        assertThat(equal.maxAnswerTokensFrom()).as("within the org's: the user's own").isEqualTo(USER);
        assertThat(below.maxAnswerTokens()).isEqualTo(100);
        assertThat(below.maxAnswerTokensFrom()).isEqualTo(USER);
        assertThat(noOrgLimit.maxAnswerTokens()).as("no org value, nothing to clamp to").isEqualTo(1000);
        assertThat(noOrgLimit.maxAnswerTokensFrom()).isEqualTo(USER);
    }

    @Test
    void theRequestsLengthIsNotClampedByTheOrgsPreference() {
        EffectivePreferences e = PreferenceMerge.merge(new AiPreferences(null, 2000, null),
                new AiPreferences(null, 1000, null), new AiPreferences(null, 400, null));

        assertThat(e.maxAnswerTokens()).isEqualTo(2000);
        assertThat(e.maxAnswerTokensFrom()).isEqualTo(REQUEST);
    }

    @Test
    void theClampTouchesOnlyTheLengthNotTheUsersOtherParts() {
        EffectivePreferences e = PreferenceMerge.merge(null, new AiPreferences("user tone", 1000, NANO),
                new AiPreferences("org tone", 400, HAIKU));

        assertThat(e).isEqualTo(new EffectivePreferences("user tone", USER, 400, ORG, NANO, USER));
        assertThat(e.applied()).isEqualTo("tone:user,maxAnswerTokens:org,model:user");
    }

    @Test
    void aValueAndItsLevelGoTogether() {
        assertThatThrownBy(() -> new EffectivePreferences("tone", null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EffectivePreferences(null, null, null, USER, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void preferencesNoneAnswersNoneForEveryOrgAndUser() {
        Preferences none = Preferences.none();

        assertThat(none.org(dev.aitenancy.tenant.OrgId.of("acme"))).isSameAs(AiPreferences.NONE);
        assertThat(none.user(dev.aitenancy.tenant.OrgId.of("acme"), "ada")).isSameAs(AiPreferences.NONE);
    }
}
