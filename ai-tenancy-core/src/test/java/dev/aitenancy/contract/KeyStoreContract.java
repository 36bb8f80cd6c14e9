package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyStatus;
import java.time.Instant;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;
import dev.aitenancy.testing.Concurrently;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KeyStore} must do, in memory or in a database. Subclasses supply a fresh,
 * empty store per test.
 */
public abstract class KeyStoreContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final ApiKey ACME_OPENAI = ApiKey.of("sk-proj-CONTRACTacme-000111222333444");
    protected static final ApiKey GLOBEX_OPENAI = ApiKey.of("sk-proj-CONTRACTglobex-99988877766");

    /** A new, empty store. */
    protected abstract KeyStore newStore();

    @Test
    void aStoredKeyIsReturnedForItsOrgAndProviderOnly() {
        KeyStore store = newStore();

        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);

        assertThat(store.get(ACME, ProviderId.OPENAI)).contains(ACME_OPENAI);
        assertThat(store.get(ACME, ProviderId.ANTHROPIC)).isEmpty();
        assertThat(store.get(GLOBEX, ProviderId.OPENAI)).as("never another org's key").isEmpty();
    }

    @Test
    void putReplacesTheKeyOfTheSameOrgAndProvider() {
        KeyStore store = newStore();
        ApiKey newer = ApiKey.of("sk-proj-CONTRACTacme-rotated-5555555");

        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);
        store.put(ACME, ProviderId.OPENAI, newer);

        assertThat(store.get(ACME, ProviderId.OPENAI)).contains(newer);
    }

    @Test
    void deleteRemovesOnlyThatOrgsKey() {
        KeyStore store = newStore();
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);
        store.put(GLOBEX, ProviderId.OPENAI, GLOBEX_OPENAI);

        boolean deleted = store.delete(ACME, ProviderId.OPENAI);
        boolean again = store.delete(ACME, ProviderId.OPENAI);

        assertThat(deleted).isTrue();
        assertThat(again).isFalse();
        assertThat(store.get(ACME, ProviderId.OPENAI)).isEmpty();
        assertThat(store.get(GLOBEX, ProviderId.OPENAI)).contains(GLOBEX_OPENAI);
    }

    @Test
    void orgsAreIsolatedAcrossManyOrgsAndProviders() {
        KeyStore store = newStore();
        List<ProviderId> providers = List.of(ProviderId.OPENAI, ProviderId.ANTHROPIC, ProviderId.GEMINI);
        for (int o = 0; o < 5; o++) {
            for (ProviderId p : providers) {
                store.put(OrgId.of("org-" + o), p, ApiKey.of("key-" + o + "-" + p + "-padding-000000"));
            }
        }

        for (int o = 0; o < 5; o++) {
            for (ProviderId p : providers) {
                assertThat(store.get(OrgId.of("org-" + o), p).orElseThrow().reveal())
                        .isEqualTo("key-" + o + "-" + p + "-padding-000000");
            }
        }
        assertThat(store.get(OrgId.of("org-9"), ProviderId.OPENAI)).isEmpty();
    }

    @Test
    void concurrentPutsOfManyOrgsAllLand() throws Exception {
        KeyStore store = newStore();
        int threads = 16;
        Concurrently.run(threads, id -> {
            for (int i = 0; i < 5; i++) {
                store.put(OrgId.of("c-" + id), ProviderId.OPENAI, ApiKey.of("key-" + id + "-" + i + "-pad000"));
                store.put(OrgId.of("shared"), ProviderId.OPENAI, ApiKey.of("key-shared-" + id + "-pad000"));
            }
        });

        for (int t = 0; t < threads; t++) {
            assertThat(store.get(OrgId.of("c-" + t), ProviderId.OPENAI).orElseThrow().reveal())
                    .isEqualTo("key-" + t + "-4-pad000");
        }
        assertThat(store.get(OrgId.of("shared"), ProviderId.OPENAI).orElseThrow().reveal())
                .startsWith("key-shared-");
    }

    @Test
    void statusShowsOnlyTheLastFourCharactersAndTheVerificationState() {
        KeyStore store = newStore();
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI, "ada@acme");
        store.put(ACME, ProviderId.ANTHROPIC, ApiKey.of("sk-ant-api03-CONTRACT-acme-abcd"));
        store.put(GLOBEX, ProviderId.GEMINI, ApiKey.of("AIzaCONTRACTglobex0000000000000wxyz"));
        Instant verifiedAt = Instant.parse("2026-11-20T08:00:00Z");

        boolean marked = store.markVerified(ACME, ProviderId.OPENAI, verifiedAt);
        boolean markedMissing = store.markVerified(GLOBEX, ProviderId.OPENAI, verifiedAt);
        List<ProviderKeyStatus> acme = store.status(ACME);

        assertThat(marked).isTrue();
        assertThat(markedMissing).isFalse();
        assertThat(acme).extracting(ProviderKeyStatus::provider)
                .containsExactly(ProviderId.ANTHROPIC, ProviderId.OPENAI);
        assertThat(acme.get(0).maskedKey()).isEqualTo("****abcd");
        assertThat(acme.get(0).verified()).isFalse();
        assertThat(acme.get(1).maskedKey()).isEqualTo("****" + ACME_OPENAI.reveal().substring(ACME_OPENAI.reveal().length() - 4));
        assertThat(acme.get(1).lastVerifiedAt()).isEqualTo(verifiedAt);
        assertThat(acme.get(1).createdBy()).isEqualTo("ada@acme");
        assertThat(acme.get(0).createdBy()).isNull();
        assertThat(store.find(ACME, ProviderId.OPENAI).orElseThrow().lastVerifiedAt()).isEqualTo(verifiedAt);
        assertThat(store.find(ACME, ProviderId.ANTHROPIC).orElseThrow().lastVerifiedAt()).isNull();
        assertThat(acme.get(1).updatedAt()).isNotNull();
        assertThat(acme.toString()).doesNotContain(ACME_OPENAI.reveal()).doesNotContain("CONTRACT");
        assertThat(store.status(GLOBEX)).extracting(ProviderKeyStatus::provider).containsExactly(ProviderId.GEMINI);
        assertThat(store.status(OrgId.of("nobody"))).isEmpty();
    }

    @Test
    void replacingAKeyClearsItsVerification() {
        KeyStore store = newStore();
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);
        store.markVerified(ACME, ProviderId.OPENAI, Instant.parse("2026-11-20T08:00:00Z"));

        store.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-CONTRACTacme-replaced-77777"));

        assertThat(store.status(ACME).get(0).verified()).isFalse();
        assertThat(store.status(ACME).get(0).maskedKey()).isEqualTo("****7777");
    }

    @Test
    void theStoreNeverShowsAKeyInItsToString() {
        KeyStore store = newStore();
        store.put(ACME, ProviderId.OPENAI, ACME_OPENAI);

        assertThat(store.toString()).doesNotContain(ACME_OPENAI.reveal());
    }
}
