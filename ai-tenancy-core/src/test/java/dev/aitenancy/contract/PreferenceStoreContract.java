package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PreferenceStore} must do: read back exactly what was written (unset parts
 * staying unset), replace a level's preferences whole, keep every org's and every user's apart,
 * refuse malformed user ids, and leave one written value, whole, after concurrent writes to one
 * level.
 */
public abstract class PreferenceStoreContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    protected static final ModelRef HAIKU = ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5");

    /** A new, empty store. */
    protected abstract PreferenceStore newStore();

    @Test
    void nothingSetReadsAsNone() {
        PreferenceStore store = newStore();

        assertThat(store.org(ACME)).isSameAs(AiPreferences.NONE);
        assertThat(store.user(ACME, "ada")).isEqualTo(AiPreferences.NONE);
    }

    @Test
    void whatIsSetReadsBackExactlyWithUnsetPartsStayingNull() {
        PreferenceStore store = newStore();
        String tone = "formal, in British English\nno emojis; «quotes» and 😀 kept";
        AiPreferences org = new AiPreferences(tone, 800, MINI);
        AiPreferences onlyTokens = new AiPreferences(null, 200, null);
        AiPreferences onlyModel = new AiPreferences(null, null, HAIKU);

        store.setOrg(ACME, org);
        store.setUser(ACME, "ada", onlyTokens);
        store.setUser(ACME, "bo", onlyModel);

        assertThat(store.org(ACME)).isEqualTo(org);
        assertThat(store.org(ACME).tone()).isEqualTo(tone);
        assertThat(store.user(ACME, "ada")).isEqualTo(onlyTokens);
        assertThat(store.user(ACME, "ada").tone()).isNull();
        assertThat(store.user(ACME, "ada").model()).isNull();
        assertThat(store.user(ACME, "bo")).isEqualTo(onlyModel);
        assertThat(store.user(ACME, "bo").maxAnswerTokens()).isNull();
    }

    @Test
    void aWriteReplacesTheLevelWholeAndNoneOrClearRemovesIt() {
        PreferenceStore store = newStore();
        store.setOrg(ACME, new AiPreferences("friendly", 500, MINI));
        store.setUser(ACME, "ada", new AiPreferences("terse", 100, HAIKU));

        store.setOrg(ACME, new AiPreferences(null, 300, null));
        store.setUser(ACME, "ada", new AiPreferences("chatty", null, null));
        AiPreferences orgReplaced = store.org(ACME);
        AiPreferences userReplaced = store.user(ACME, "ada");

        store.clearUser(ACME, "ada");
        store.clearUser(ACME, "never-set"); // nothing to clear: fine
        AiPreferences userCleared = store.user(ACME, "ada");
        store.setOrg(ACME, AiPreferences.NONE);
        AiPreferences orgCleared = store.org(ACME);
        store.setUser(ACME, "bo", new AiPreferences("warm", null, null));
        store.setUser(ACME, "bo", AiPreferences.NONE);

        assertThat(orgReplaced).as("parts not written again are gone").isEqualTo(new AiPreferences(null, 300, null));
        assertThat(userReplaced).isEqualTo(new AiPreferences("chatty", null, null));
        assertThat(userCleared).isEqualTo(AiPreferences.NONE);
        assertThat(orgCleared).isEqualTo(AiPreferences.NONE);
        assertThat(store.user(ACME, "bo")).isEqualTo(AiPreferences.NONE);
    }

    @Test
    void orgsAndUsersAreKeptApart() {
        PreferenceStore store = newStore();
        AiPreferences acme = new AiPreferences("acme tone", 1000, MINI);
        AiPreferences ada = new AiPreferences("ada's tone", 50, null);
        store.setOrg(ACME, acme);
        store.setUser(ACME, "ada", ada);

        assertThat(store.org(GLOBEX)).as("another org's defaults").isEqualTo(AiPreferences.NONE);
        assertThat(store.user(GLOBEX, "ada")).as("the same user id in another org").isEqualTo(AiPreferences.NONE);
        assertThat(store.user(ACME, "bo")).as("another user of the org").isEqualTo(AiPreferences.NONE);
        assertThat(store.user(ACME, "Ada")).as("user ids are case sensitive").isEqualTo(AiPreferences.NONE);
        assertThat(store.user(ACME, "ada ")).as("and exact").isEqualTo(AiPreferences.NONE);
        assertThat(store.org(ACME)).as("the org's row is not a user's").isEqualTo(acme);

        store.setUser(GLOBEX, "ada", new AiPreferences("globex ada", null, null));
        store.clearUser(GLOBEX, "ada");
        store.setOrg(GLOBEX, new AiPreferences("globex", null, null));

        assertThat(store.org(ACME)).isEqualTo(acme);
        assertThat(store.user(ACME, "ada")).isEqualTo(ada);
    }

    @Test
    void aUserIdAtTheLimitIsKeptAndMalformedOnesAreRefused() {
        PreferenceStore store = newStore();
        String longest = "u".repeat(JobRequest.MAX_USER_ID_LENGTH);
        store.setUser(ACME, longest, new AiPreferences("long", null, null));
        assertThat(store.user(ACME, longest).tone()).isEqualTo("long");

        for (String bad : new String[] {null, "", "   ", "u".repeat(JobRequest.MAX_USER_ID_LENGTH + 1), "ada\nbo",
                "ada\u0000"}) {
            assertRefused(() -> store.user(ACME, bad), "user id");
            assertRefused(() -> store.setUser(ACME, bad, new AiPreferences("x", null, null)), "user id");
            assertRefused(() -> store.clearUser(ACME, bad), "user id");
        }
        assertThat(store.org(ACME)).isEqualTo(AiPreferences.NONE);
    }

    @Test
    void preferencesThemselvesAreValidatedWithAMessageSayingWhatToDo() {
        String tooLong = "t".repeat(AiPreferences.MAX_TONE_LENGTH + 1);
        assertThat(new AiPreferences("t".repeat(AiPreferences.MAX_TONE_LENGTH), null, null).tone()).hasSize(500);
        assertThat(assertRefused(() -> new AiPreferences(tooLong, null, null), "tone").getMessage())
                .contains("at most 500", "shorten it");
        assertThat(assertRefused(() -> new AiPreferences("be\tnice", null, null), "tone").getMessage())
                .contains("control characters");
        assertThat(assertRefused(() -> new AiPreferences(null, 0, null), "maxAnswerTokens").getMessage())
                .contains("above 0");
        assertRefused(() -> new AiPreferences(null, -5, null), "maxAnswerTokens");
        assertRefused(() -> new AiPreferences(null, null, ModelRef.of(ProviderId.OPENAI, "m".repeat(201))),
                "model name");
        assertThat(new AiPreferences("  ", null, null)).as("a blank tone is not set").isEqualTo(AiPreferences.NONE);
    }

    @Test
    void concurrentWritesToOneLevelLeaveOneWrittenValueWhole() throws Exception {
        PreferenceStore store = newStore();
        int threads = 16;
        int rounds = 10;
        List<AiPreferences> written = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // every part differs between writers, so a mix of two writes is never one of them
            written.add(new AiPreferences("tone of writer " + t, 100 + t,
                    t % 2 == 0 ? ModelRef.of(ProviderId.OPENAI, "model-" + t) : ModelRef.of(ProviderId.ANTHROPIC,
                            "model-" + t)));
        }
        Set<AiPreferences> seen = ConcurrentHashMap.newKeySet();

        Concurrently.run(threads, t -> {
            for (int i = 0; i < rounds; i++) {
                store.setOrg(ACME, written.get(t));
                store.setUser(ACME, "ada", written.get(t));
                if (i % 3 == 2) {
                    store.clearUser(ACME, "ada");
                }
                seen.add(store.org(ACME));
                seen.add(store.user(ACME, "ada"));
            }
        });
        store.setUser(ACME, "bo", written.get(0));
        Concurrently.run(threads, t -> store.setUser(ACME, "bo", written.get(t)));

        List<AiPreferences> allowed = new ArrayList<>(written);
        allowed.add(AiPreferences.NONE); // a user's row between a clear and the next write
        assertThat(written).contains(store.org(ACME));
        assertThat(allowed).contains(store.user(ACME, "ada"));
        assertThat(written).contains(store.user(ACME, "bo"));
        assertThat(allowed).as("every read during the writes was one written value, whole").containsAll(seen);
    }

    private static InvalidRequestException assertRefused(ThrowingCallable call, String mentions) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, call);
        assertThat(e).as("refused: " + mentions).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e.getMessage()).contains(mentions);
        return e;
    }
}
