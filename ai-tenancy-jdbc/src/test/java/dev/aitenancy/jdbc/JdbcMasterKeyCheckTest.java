package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A valid but wrong master key is refused when the key store is created (a "start"), with the
 * same {@code AI_CONFIG_INVALID} as a malformed one and without any key material in the message or
 * the log; rotation keeps working. Each "restart" is a new {@link AiTenancyJdbc} on the same database.
 */
class JdbcMasterKeyCheckTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ApiKey PLANTED = ApiKey.of("sk-proj-MASTERplanted-0123456789abcdefWXYZ");

    static KeyStore start(DataSource ds, SecretCipher cipher) {
        return AiTenancyJdbc.create(ds).keyStore(cipher);
    }

    /** Starts with {@code cipher}, expecting a refusal; returns it and checks nothing secret shows. */
    static ConfigurationException refusedStart(DataSource ds, SecretCipher cipher, String... secrets) throws Exception {
        AtomicReference<ConfigurationException> refused = new AtomicReference<>();
        String log = LogCapture.stderrOf(() -> refused.set(catchThrowableOfType(ConfigurationException.class,
                () -> start(ds, cipher))));
        ConfigurationException e = refused.get();
        assertThat(e).as("the start is refused").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(e.orgId()).isNull();
        assertThat(e.getMessage()).contains("the configured master key is not the one the stored provider keys were "
                + "encrypted with").contains(SecretCipher.MASTER_KEY_ENV).contains("store every org's provider keys again");
        List<String> shown = List.of(e.getMessage(), e.toString(), log);
        for (String secret : secrets) {
            assertThat(shown).allSatisfy(text -> assertThat(text).doesNotContain(secret));
        }
        assertThat(shown).allSatisfy(text -> assertThat(text).doesNotContain(PLANTED.reveal())
                .doesNotContain("MASTERplanted"));
        return e;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theRightMasterKeyStartsAndAValidButWrongOneIsRefusedClearly(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            String right = SecretCipher.generateBase64Key();
            String wrong = SecretCipher.generateBase64Key();
            String wrongKeyset = SecretCipher.generateKeysetJson();
            start(db.dataSource(), SecretCipher.fromConfig(right)).put(ACME, ProviderId.OPENAI, PLANTED);

            KeyStore again = start(db.dataSource(), SecretCipher.fromConfig(right));
            ConfigurationException e = refusedStart(db.dataSource(), SecretCipher.fromConfig(wrong), right, wrong);
            refusedStart(db.dataSource(), SecretCipher.fromConfig(wrongKeyset), right, wrongKeyset,
                    wrongKeyset.replaceAll("(?s).*\"value\"\\s*:\\s*\"([^\"]+)\".*", "$1"));

            assertThat(again.get(ACME, ProviderId.OPENAI)).contains(PLANTED);
            assertThat(e.getMessage()).contains("master key id " + SecretCipher.fromConfig(right).primaryKeyId())
                    .contains("id " + SecretCipher.fromConfig(wrong).primaryKeyId());
            assertThat(again.get(ACME, ProviderId.OPENAI)).as("a refused start changed nothing").contains(PLANTED);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseWithoutAnyKeyYetRemembersItsMasterKeyFromTheFirstStart(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            String first = SecretCipher.generateBase64Key();
            start(db.dataSource(), SecretCipher.fromConfig(first)); // no key stored yet

            refusedStart(db.dataSource(), SecretCipher.fromConfig(SecretCipher.generateBase64Key()), first);
            KeyStore again = start(db.dataSource(), SecretCipher.fromConfig(first));
            again.put(ACME, ProviderId.ANTHROPIC, PLANTED);

            assertThat(again.get(ACME, ProviderId.ANTHROPIC)).contains(PLANTED);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseWithKeysFromBeforeTheCanaryIsCheckedAgainstThoseKeys(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            String right = SecretCipher.generateBase64Key();
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            jdbc.keyStore(SecretCipher.fromConfig(right)).put(ACME, ProviderId.OPENAI, PLANTED);
            jdbc.jdbi().useHandle(h -> h.execute("DELETE FROM ai_master_key_check")); // as a database of 0.x

            refusedStart(db.dataSource(), SecretCipher.fromConfig(SecretCipher.generateBase64Key()), right);
            int canariesAfterRefusal = canaries(jdbc);
            KeyStore again = start(db.dataSource(), SecretCipher.fromConfig(right));

            assertThat(canariesAfterRefusal).as("a wrong key is never written as the canary").isZero();
            assertThat(canaries(jdbc)).as("the right key writes the canary").isEqualTo(1);
            assertThat(again.get(ACME, ProviderId.OPENAI)).contains(PLANTED);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void afterARotationTheNewKeyAloneStartsAndTheRetiredOldKeyIsRefused(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            String oldConfig = SecretCipher.generateBase64Key();
            SecretCipher old = SecretCipher.fromConfig(oldConfig);
            KeyStore before = start(db.dataSource(), old);
            for (int i = 0; i < 3; i++) {
                before.put(OrgId.of("org-" + i), ProviderId.OPENAI, ApiKey.of("sk-proj-rotate-" + i + "-000000000000"));
            }
            SecretCipher rotated = old.withNewPrimaryKey();
            String bothConfig = rotated.toKeysetJson();
            String newConfig = rotated.withoutKey(old.primaryKeyId()).toKeysetJson();

            KeyStore during = start(db.dataSource(), SecretCipher.fromConfig(bothConfig)); // old and new keys: passes
            KeyRotation rotation = AiTenancyJdbc.create(db.dataSource()).keyRotation(SecretCipher.fromConfig(bothConfig));
            long remainingBefore = rotation.remaining();
            List<KeyRotation.Progress> progress = new ArrayList<>();
            KeyRotation.Progress end = rotation.run(2, progress::add);
            KeyStore bothAfter = start(db.dataSource(), SecretCipher.fromConfig(bothConfig));
            KeyStore newOnly = start(db.dataSource(), SecretCipher.fromConfig(newConfig));
            ConfigurationException oldOnly = refusedStart(db.dataSource(), SecretCipher.fromConfig(oldConfig),
                    oldConfig, bothConfig, newConfig);

            assertThat(during.get(OrgId.of("org-1"), ProviderId.OPENAI)).isPresent();
            assertThat(remainingBefore).as("three keys and the canary").isEqualTo(4);
            assertThat(end).isEqualTo(new KeyRotation.Progress(3, 0, 0));
            assertThat(progress).extracting(KeyRotation.Progress::remaining).containsExactly(1L, 0L);
            for (int i = 0; i < 3; i++) {
                assertThat(newOnly.get(OrgId.of("org-" + i), ProviderId.OPENAI).orElseThrow().reveal())
                        .isEqualTo("sk-proj-rotate-" + i + "-000000000000");
            }
            assertThat(bothAfter.get(OrgId.of("org-0"), ProviderId.OPENAI)).isPresent();
            assertThat(oldOnly.getMessage()).contains("master key id " + rotated.primaryKeyId());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void rotatingWithACipherThatDoesNotHoldTheDatabasesKeyRewritesNothing(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            SecretCipher right = SecretCipher.fromConfig(SecretCipher.generateBase64Key());
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            jdbc.keyStore(right).put(ACME, ProviderId.OPENAI, PLANTED);
            SecretCipher stranger = SecretCipher.fromConfig(SecretCipher.generateBase64Key()).withNewPrimaryKey();

            AtomicReference<ConfigurationException> refused = new AtomicReference<>();
            LogCapture.stderrOf(() -> refused.set(catchThrowableOfType(ConfigurationException.class,
                    () -> jdbc.keyRotation(stranger).run(10, p -> { }))));

            assertThat(refused.get().code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
            assertThat(start(db.dataSource(), right).get(ACME, ProviderId.OPENAI)).contains(PLANTED);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void withMigrationsSwitchedOffTheCheckWaitsForTheSchemaAndThenApplies(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            String right = SecretCipher.generateBase64Key();
            AiTenancyJdbc unmigrated = AiTenancyJdbc.create(db.dataSource(), Clock.systemUTC(), false);
            KeyStore early = unmigrated.keyStore(SecretCipher.fromConfig(right)); // no tables yet: no failure

            AiTenancyJdbc.migrate(db.dataSource());
            early.put(ACME, ProviderId.OPENAI, PLANTED); // checks now, and writes the canary

            refusedStart(db.dataSource(), SecretCipher.fromConfig(SecretCipher.generateBase64Key()), right);
            assertThat(start(db.dataSource(), SecretCipher.fromConfig(right)).get(ACME, ProviderId.OPENAI))
                    .contains(PLANTED);
        }
    }

    private static int canaries(AiTenancyJdbc jdbc) {
        return jdbc.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_master_key_check")
                .mapTo(Integer.class).one());
    }
}
