package dev.aitenancy.keys;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.util.SecretBytes;
import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Encrypts provider keys at rest with Tink AEAD (AES-256-GCM) under a master keyset. Each envelope
 * is bound to its org and provider through the associated data {@code org + "/" + provider}, so
 * an envelope copied into another org's row does not decrypt.
 *
 * <p>An envelope is one version byte ({@code 1}) followed by Tink's ciphertext, whose 5-byte
 * prefix names the master key that made it. Rotation: {@link #withNewPrimaryKey()}, re-encrypt
 * every envelope ({@link #needsReEncryption}), then {@link #withoutKey(int)} the old one; until
 * then old envelopes still decrypt.
 *
 * <p>The master key comes from configuration: a Tink JSON keyset, or for the simple case a
 * base64-encoded 32-byte key (see {@link #generateBase64Key()}, or run this class with
 * {@code generate}).
 *
 * <p>A store that keeps envelopes also keeps a <em>canary</em> ({@link #newCanary()}): a fixed,
 * non-secret text encrypted under the master key, which it opens on every start
 * ({@link #opensCanary}) so that a valid but wrong master key is refused at once instead of failing
 * every call.
 */
public final class SecretCipher {

    /** The environment variable {@link #fromEnvironment()} reads. */
    public static final String MASTER_KEY_ENV = "AI_TENANCY_MASTER_KEY";

    private static final byte VERSION = 1;
    private static final byte[] CANARY_TEXT = "ai-tenancy master key check".getBytes(StandardCharsets.UTF_8);
    /** Without a '/', so it is never the associated data of a key ({@code org + "/" + provider}). */
    private static final byte[] CANARY_AD = "ai-tenancy:master-key-check".getBytes(StandardCharsets.UTF_8);
    private static final String HOW_TO_GENERATE = "generate one with `openssl rand -base64 32` (or "
            + "SecretCipher.generateBase64Key()) and keep it secret";
    private static final AesGcmParameters AES256_GCM;

    static {
        try {
            AeadConfig.register();
            AES256_GCM = AesGcmParameters.builder().setKeySizeBytes(32).setIvSizeBytes(12).setTagSizeBytes(16)
                    .setVariant(AesGcmParameters.Variant.TINK).build();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KeysetHandle keyset;
    private final Aead aead;

    private SecretCipher(KeysetHandle keyset) throws GeneralSecurityException {
        this.keyset = keyset;
        this.aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
    }

    /**
     * A cipher from configuration text: a Tink JSON keyset (starts with <code>{</code>) or a
     * base64 32-byte key.
     *
     * @throws ConfigurationException {@code AI_CONFIG_INVALID} saying how to make a valid one
     */
    public static SecretCipher fromConfig(String masterKey) {
        if (masterKey == null || masterKey.isBlank()) {
            throw invalid("no master key is configured (" + MASTER_KEY_ENV + "); " + HOW_TO_GENERATE);
        }
        String value = masterKey.strip();
        try {
            if (value.startsWith("{")) {
                return new SecretCipher(TinkJsonProtoKeysetFormat.parseKeyset(value, RegistryConfiguration.get(),
                        InsecureSecretKeyAccess.get()));
            }
            return fromRawKey(Base64.getDecoder().decode(value));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw invalid("the master key is neither a Tink JSON keyset nor a base64 32-byte key ("
                    + e.getClass().getSimpleName() + "); " + HOW_TO_GENERATE);
        }
    }

    /** A cipher from the {@value #MASTER_KEY_ENV} environment variable. */
    public static SecretCipher fromEnvironment() {
        return fromConfig(System.getenv(MASTER_KEY_ENV));
    }

    private static SecretCipher fromRawKey(byte[] raw) throws GeneralSecurityException {
        if (raw.length != 32) {
            throw invalid("the master key must be 32 bytes, base64-encoded; this one is " + raw.length + " bytes; "
                    + HOW_TO_GENERATE);
        }
        AesGcmKey key = AesGcmKey.builder().setParameters(AES256_GCM)
                .setKeyBytes(SecretBytes.copyFrom(raw, InsecureSecretKeyAccess.get()))
                .setIdRequirement(stableId(raw)).build();
        return new SecretCipher(KeysetHandle.newBuilder().addEntry(KeysetHandle.importKey(key).makePrimary()).build());
    }

    /** A new random base64 32-byte master key. */
    public static String generateBase64Key() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /** A new Tink JSON keyset with one AES-256-GCM key. */
    public static String generateKeysetJson() {
        try {
            KeysetHandle h = KeysetHandle.newBuilder()
                    .addEntry(KeysetHandle.generateEntryFromParameters(AES256_GCM).withRandomId().makePrimary())
                    .build();
            return TinkJsonProtoKeysetFormat.serializeKeyset(h, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink could not generate a keyset", e);
        }
    }

    /** Encrypts a key for one org and provider. */
    public byte[] encrypt(ApiKey key, OrgId org, ProviderId provider) {
        try {
            byte[] ct = aead.encrypt(key.reveal().getBytes(StandardCharsets.UTF_8), associatedData(org, provider));
            return ByteBuffer.allocate(ct.length + 1).put(VERSION).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    /**
     * Decrypts an envelope made for this org and provider.
     *
     * @throws ConfigurationException {@code AI_CONFIG_INVALID} when the envelope was made for
     *                                another org or provider, with a retired master key, or is damaged
     */
    public ApiKey decrypt(byte[] envelope, OrgId org, ProviderId provider) {
        if (envelope == null || envelope.length < 2 || envelope[0] != VERSION) {
            throw undecryptable(org, provider, "it is not an envelope of a known version");
        }
        try {
            byte[] plain = aead.decrypt(java.util.Arrays.copyOfRange(envelope, 1, envelope.length),
                    associatedData(org, provider));
            return ApiKey.of(new String(plain, StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw undecryptable(org, provider,
                    "it was encrypted for another org or provider, or with a master key that is no longer configured");
        }
    }

    /**
     * A new canary: a fixed text (no secret) encrypted under the primary master key, in the
     * envelope format (so {@link #keyIdOf} and {@link #needsReEncryption} apply to it). A store keeps
     * it next to its envelopes and checks it with {@link #opensCanary} when it starts.
     */
    public byte[] newCanary() {
        try {
            byte[] ct = aead.encrypt(CANARY_TEXT, CANARY_AD);
            return ByteBuffer.allocate(ct.length + 1).put(VERSION).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    /**
     * Whether {@code canary} was made by {@link #newCanary()} under one of this cipher's master keys:
     * false for a canary of another master key, a damaged one, or anything else.
     */
    public boolean opensCanary(byte[] canary) {
        if (canary == null || canary.length < 2 || canary[0] != VERSION) {
            return false;
        }
        try {
            return java.util.Arrays.equals(aead.decrypt(java.util.Arrays.copyOfRange(canary, 1, canary.length),
                    CANARY_AD), CANARY_TEXT);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The id of the master key new envelopes are made with. */
    public int primaryKeyId() {
        return keyset.getPrimary().getId();
    }

    /** The ids of all master keys this cipher can decrypt with. */
    public List<Integer> keyIds() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < keyset.size(); i++) {
            ids.add(keyset.getAt(i).getId());
        }
        return ids;
    }

    /** The id of the master key an envelope was made with. */
    public static int keyIdOf(byte[] envelope) {
        if (envelope == null || envelope.length < 6) {
            throw new IllegalArgumentException("not an envelope");
        }
        return ByteBuffer.wrap(envelope, 2, 4).getInt();
    }

    /** Whether an envelope was made with an older key and should be re-encrypted. */
    public boolean needsReEncryption(byte[] envelope) {
        return keyIdOf(envelope) != primaryKeyId();
    }

    /** This cipher with a new random key as primary; the old keys still decrypt. */
    public SecretCipher withNewPrimaryKey() {
        try {
            return new SecretCipher(KeysetHandle.newBuilder(keyset)
                    .addEntry(KeysetHandle.generateEntryFromParameters(AES256_GCM).withRandomId().makePrimary())
                    .build());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink could not add a key", e);
        }
    }

    /** This cipher without the (non-primary) key {@code keyId}: envelopes it made no longer decrypt. */
    public SecretCipher withoutKey(int keyId) {
        if (keyId == primaryKeyId()) {
            throw new IllegalArgumentException("the primary key cannot be retired; make another key primary first");
        }
        try {
            KeysetHandle.Builder b = KeysetHandle.newBuilder(keyset);
            for (int i = 0; i < b.size(); i++) {
                if (keyset.getAt(i).getId() == keyId) {
                    b.deleteAt(i);
                    return new SecretCipher(b.build());
                }
            }
            throw new IllegalArgumentException("no key with id " + keyId);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink could not remove a key", e);
        }
    }

    /** The keyset as Tink JSON, to store in the host's secret configuration. Contains key material. */
    public String toKeysetJson() {
        try {
            return TinkJsonProtoKeysetFormat.serializeKeyset(keyset, RegistryConfiguration.get(),
                    InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] associatedData(OrgId org, ProviderId provider) {
        return (org.value() + "/" + provider.name()).getBytes(StandardCharsets.UTF_8);
    }

    /** The same raw key gets the same key id on every instance, so their envelopes agree. */
    private static int stableId(byte[] raw) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(raw);
            return ByteBuffer.wrap(h).getInt() & 0x7fffffff | 1;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ConfigurationException invalid(String message) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null, message);
    }

    private static ConfigurationException undecryptable(OrgId org, ProviderId provider, String why) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "the stored " + provider
                + " key of org " + org + " cannot be decrypted: " + why + "; store the key again under providers");
    }

    @Override
    public String toString() {
        return "SecretCipher[primary=" + primaryKeyId() + ", keys=" + keyset.size() + "]";
    }

    /** {@code generate} prints a base64 master key; {@code generate-keyset} prints a Tink JSON keyset. */
    public static void main(String[] args) {
        String cmd = args.length == 0 ? "generate" : args[0];
        switch (cmd) {
            case "generate" -> System.out.println(generateBase64Key());
            case "generate-keyset" -> System.out.println(generateKeysetJson());
            default -> {
                System.err.println("usage: SecretCipher [generate | generate-keyset]");
                System.exit(2);
            }
        }
    }
}
