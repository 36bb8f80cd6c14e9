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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What only the database store must prove: encryption at rest, binding to the row, rotation. */
class JdbcKeyStoreTest {

    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    static final ApiKey PLANTED = ApiKey.of("sk-proj-JDBCplanted-0123456789abcdefWXYZ");

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theKeyIsStoredOnlyAsAnEnvelopeAndNoQueryResultContainsIt(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            jdbc.keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key())).put(ACME, ProviderId.OPENAI, PLANTED);

            List<Map<String, Object>> rows = jdbc.jdbi().withHandle(h ->
                    h.createQuery("SELECT * FROM ai_provider_keys").mapToMap().list());

            assertThat(rows).hasSize(1);
            for (Object value : rows.get(0).values()) {
                String text = value instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(value);
                assertThat(text).doesNotContain(PLANTED.reveal()).doesNotContain("JDBCplanted");
            }
            assertThat(rows.get(0).get("key_last4")).isEqualTo("WXYZ");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anEnvelopeCopiedIntoAnotherOrgsRowFailsToDecrypt(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            KeyStore store = jdbc.keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key()));
            store.put(ACME, ProviderId.OPENAI, PLANTED);
            store.put(GLOBEX, ProviderId.OPENAI, ApiKey.of("sk-proj-globex-own-key-000000000"));

            jdbc.jdbi().useHandle(h -> h.execute("UPDATE ai_provider_keys SET envelope = "
                    + "(SELECT envelope FROM ai_provider_keys WHERE org_id = 'acme') WHERE org_id = 'globex'"));
            ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                    () -> store.get(GLOBEX, ProviderId.OPENAI));

            assertThat(e.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
            assertThat(e.orgId()).isEqualTo("globex");
            assertThat(e.getMessage()).doesNotContain(PLANTED.reveal());
            assertThat(store.get(ACME, ProviderId.OPENAI)).contains(PLANTED);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoInstancesWithTheSameMasterKeyShareKeysAndMigrationsRunOnce(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            String master = SecretCipher.generateBase64Key();
            KeyStore first = AiTenancyJdbc.create(db.dataSource()).keyStore(SecretCipher.fromConfig(master));
            KeyStore second = AiTenancyJdbc.create(db.dataSource()).keyStore(SecretCipher.fromConfig(master));

            first.put(ACME, ProviderId.ANTHROPIC, PLANTED);

            assertThat(second.get(ACME, ProviderId.ANTHROPIC)).contains(PLANTED);
            Integer applied = Jdbi.create(db.dataSource()).withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM \"" + AiTenancyJdbc.HISTORY_TABLE + "\" WHERE \"success\" AND \"version\" = '1'")
                    .mapTo(Integer.class).one());
            assertThat(applied).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void rotationReEncryptsEveryEnvelopeResumablyThenTheOldKeyCanBeRetired(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            SecretCipher old = SecretCipher.fromConfig(SecretCipher.generateBase64Key());
            KeyStore before = jdbc.keyStore(old);
            for (int i = 0; i < 7; i++) {
                before.put(OrgId.of("org-" + i), ProviderId.OPENAI, ApiKey.of("sk-proj-rotate-" + i + "-000000000000"));
            }
            SecretCipher rotated = old.withNewPrimaryKey();
            KeyStore during = jdbc.keyStore(rotated);
            during.put(OrgId.of("org-new"), ProviderId.OPENAI, ApiKey.of("sk-proj-rotate-new-00000000000"));
            KeyRotation rotation = jdbc.keyRotation(rotated);
            List<KeyRotation.Progress> progress = new ArrayList<>();

            assertThat(rotation.remaining()).as("seven keys and the master key's canary").isEqualTo(8);
            assertThat(during.get(OrgId.of("org-3"), ProviderId.OPENAI)).as("old envelopes still decrypt")
                    .map(ApiKey::reveal).contains("sk-proj-rotate-3-000000000000");
            KeyRotation.Progress end = rotation.run(3, progress::add);

            assertThat(end).isEqualTo(new KeyRotation.Progress(7, 0, 0));
            assertThat(progress).extracting(KeyRotation.Progress::reEncrypted).containsExactly(3L, 6L, 7L);
            assertThat(progress).extracting(KeyRotation.Progress::remaining).containsExactly(4L, 1L, 0L);
            assertThat(rotation.run(3, p -> { })).as("a second run finds nothing to do")
                    .isEqualTo(new KeyRotation.Progress(0, 0, 0));

            KeyStore after = jdbc.keyStore(rotated.withoutKey(old.primaryKeyId()));
            for (int i = 0; i < 7; i++) {
                assertThat(after.get(OrgId.of("org-" + i), ProviderId.OPENAI).orElseThrow().reveal())
                        .isEqualTo("sk-proj-rotate-" + i + "-000000000000");
            }
            assertThat(after.get(OrgId.of("org-new"), ProviderId.OPENAI)).isPresent();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void rotationReportsEnvelopesItCannotReadAndLeavesThemAlone(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            SecretCipher old = SecretCipher.fromConfig(SecretCipher.generateBase64Key());
            jdbc.keyStore(old).put(ACME, ProviderId.OPENAI, PLANTED);
            jdbc.keyStore(old).put(GLOBEX, ProviderId.OPENAI, ApiKey.of("sk-proj-globex-own-key-000000000"));
            jdbc.jdbi().useHandle(h -> h.execute("UPDATE ai_provider_keys SET envelope = "
                    + "(SELECT envelope FROM ai_provider_keys WHERE org_id = 'acme') WHERE org_id = 'globex'"));

            KeyRotation.Progress end = jdbc.keyRotation(old.withNewPrimaryKey()).run(10, p -> { });

            assertThat(end).isEqualTo(new KeyRotation.Progress(1, 1, 1));
        }
    }
}
