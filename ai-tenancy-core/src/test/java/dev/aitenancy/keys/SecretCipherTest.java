package dev.aitenancy.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    static final ApiKey KEY = ApiKey.of("sk-proj-CIPHERplanted-0123456789abcdef");
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");

    final String masterKey = SecretCipher.generateBase64Key();
    final SecretCipher cipher = SecretCipher.fromConfig(masterKey);

    @Test
    void anEnvelopeDecryptsForItsOwnOrgAndProviderOnly() {
        byte[] envelope = cipher.encrypt(KEY, ACME, ProviderId.OPENAI);

        assertThat(cipher.decrypt(envelope, ACME, ProviderId.OPENAI)).isEqualTo(KEY);
        assertThat(new String(envelope, StandardCharsets.ISO_8859_1)).doesNotContain("CIPHERplanted");
        ConfigurationException otherOrg = catchThrowableOfType(ConfigurationException.class,
                () -> cipher.decrypt(envelope, GLOBEX, ProviderId.OPENAI));
        ConfigurationException otherProvider = catchThrowableOfType(ConfigurationException.class,
                () -> cipher.decrypt(envelope, ACME, ProviderId.ANTHROPIC));
        assertThat(otherOrg.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(otherOrg.orgId()).isEqualTo("globex");
        assertThat(otherOrg.getMessage()).contains("store the key again").doesNotContain(KEY.reveal());
        assertThat(otherProvider.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
    }

    @Test
    void twoInstancesConfiguredWithTheSameBase64KeyReadEachOthersEnvelopes() {
        SecretCipher other = SecretCipher.fromConfig(" " + masterKey + "\n");

        byte[] envelope = cipher.encrypt(KEY, ACME, ProviderId.OPENAI);

        assertThat(other.decrypt(envelope, ACME, ProviderId.OPENAI)).isEqualTo(KEY);
        assertThat(other.primaryKeyId()).isEqualTo(cipher.primaryKeyId());
        assertThat(SecretCipher.keyIdOf(envelope)).isEqualTo(cipher.primaryKeyId());
    }

    @Test
    void aKeyMadeWithOpensslWorks() {
        // `openssl rand -base64 32`, as the README and the startup error say: 32 random bytes in base64
        String openssl = "3jZR5phRkoQWsb4lz+ZWHyLoIpjswcpSOavoRckLiEY="; // printed by it
        SecretCipher fromOpenssl = SecretCipher.fromConfig(openssl + "\n");

        assertThat(fromOpenssl.decrypt(fromOpenssl.encrypt(KEY, ACME, ProviderId.OPENAI), ACME, ProviderId.OPENAI)
                .reveal()).isEqualTo(KEY.reveal());
    }

    @Test
    void aTinkJsonKeysetWorksToo() {
        SecretCipher fromJson = SecretCipher.fromConfig(SecretCipher.generateKeysetJson());

        byte[] envelope = fromJson.encrypt(KEY, ACME, ProviderId.GEMINI);

        assertThat(fromJson.decrypt(envelope, ACME, ProviderId.GEMINI)).isEqualTo(KEY);
        assertThat(SecretCipher.fromConfig(fromJson.toKeysetJson()).decrypt(envelope, ACME, ProviderId.GEMINI))
                .isEqualTo(KEY);
    }

    @Test
    void aMissingOrMalformedMasterKeyFailsWithHowToGenerateOne() {
        for (String bad : new String[] {null, " ", "not base64 !!", Base64.getEncoder().encodeToString(new byte[16]),
                "{\"primaryKeyId\": 1}"}) {
            ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                    () -> SecretCipher.fromConfig(bad));
            assertThat(e.code()).as("for %s", bad).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
            assertThat(e.getMessage()).as("for %s", bad).contains("generate");
        }
    }

    @Test
    void generatedKeysAreRandom32ByteKeys() {
        String a = SecretCipher.generateBase64Key();
        String b = SecretCipher.generateBase64Key();

        assertThat(Base64.getDecoder().decode(a)).hasSize(32);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void rotationAddsAPrimaryKeepsOldEnvelopesReadableThenRetiresTheOldKey() {
        byte[] old = cipher.encrypt(KEY, ACME, ProviderId.OPENAI);
        int oldKeyId = cipher.primaryKeyId();

        SecretCipher rotated = cipher.withNewPrimaryKey();
        assertThat(rotated.primaryKeyId()).isNotEqualTo(oldKeyId);
        assertThat(rotated.keyIds()).containsExactlyInAnyOrder(oldKeyId, rotated.primaryKeyId());
        assertThat(rotated.decrypt(old, ACME, ProviderId.OPENAI)).isEqualTo(KEY);
        assertThat(rotated.needsReEncryption(old)).isTrue();

        byte[] renewed = rotated.encrypt(rotated.decrypt(old, ACME, ProviderId.OPENAI), ACME, ProviderId.OPENAI);
        assertThat(rotated.needsReEncryption(renewed)).isFalse();

        SecretCipher retired = rotated.withoutKey(oldKeyId);
        assertThat(retired.decrypt(renewed, ACME, ProviderId.OPENAI)).isEqualTo(KEY);
        assertThatThrownBy(() -> retired.decrypt(old, ACME, ProviderId.OPENAI))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("no longer configured");
        assertThatThrownBy(() -> retired.withoutKey(retired.primaryKeyId()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        assertThat(cipher.toString()).startsWith("SecretCipher[primary=").doesNotContain(masterKey);
    }
}
