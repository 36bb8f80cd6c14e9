package dev.aitenancy.jdbc;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The canary of the master key in {@code ai_master_key_check}: one row holding
 * {@link SecretCipher#newCanary()} (a fixed, non-secret text encrypted under the master key).
 * Every key store opens it when it is created, so a valid but wrong master key is refused at
 * startup with {@code AI_CONFIG_INVALID} instead of failing every call; {@link KeyRotation}
 * re-encrypts it with the provider keys.
 *
 * <p>The first store on a database writes the canary. On a database that already holds provider
 * keys but no canary yet (one made before the canary existed) it first decrypts one of those keys,
 * so a wrong master key is never enshrined in a new canary.
 */
final class MasterKeyCheck {

    private static final Logger LOG = LoggerFactory.getLogger(MasterKeyCheck.class);
    private static final int ID = 1;
    /** Provider keys tried per master key id on a database without a canary. */
    private static final int SAMPLE = 3;

    private MasterKeyCheck() {
    }

    private record Stored(byte[] envelope, int keyId) {
    }

    private record KeyRow(String orgId, String provider, byte[] envelope) {
    }

    /**
     * Checks that {@code cipher} holds the master key this database's provider keys were encrypted
     * with, writing the canary when the database has none yet.
     *
     * @return true when checked; false when the schema has no canary table yet (migrations switched
     *         off and not run so far), so the check has to wait
     * @throws ConfigurationException {@code AI_CONFIG_INVALID} when the master key is not the right one
     */
    static boolean verify(Jdbi jdbi, SecretCipher cipher, Clock clock) {
        Optional<Stored> canary;
        try {
            canary = read(jdbi);
        } catch (JdbiException e) {
            if (isMissingTable(e)) {
                LOG.info("the ai-tenancy schema has no master key check yet (migrations are switched off and have not "
                        + "run); the master key is checked on first use of the key store");
                return false;
            }
            throw e;
        }
        if (canary.isPresent()) {
            requireOpens(cipher, canary.get());
            return true;
        }
        checkExistingKeys(jdbi, cipher);
        Instant now = clock.instant();
        Sql.seed(jdbi, "INSERT INTO ai_master_key_check (id, envelope, master_key_id, created_at, updated_at) "
                + "VALUES (:id, :envelope, :keyId, :now, :now)", u -> u.bind("id", ID)
                .bind("envelope", cipher.newCanary()).bind("keyId", cipher.primaryKeyId()).bind("now", now));
        // another instance may have written its canary first: this key must open whichever is stored
        requireOpens(cipher, read(jdbi).orElseThrow());
        return true;
    }

    /**
     * Re-encrypts the canary under the cipher's primary key when it was made with another key (only
     * if it still holds what was read, so concurrent rotations agree).
     *
     * @throws ConfigurationException when the cipher cannot open the canary: it does not hold the
     *                                master key of this database
     */
    static void reEncrypt(Jdbi jdbi, SecretCipher cipher, Clock clock) {
        Optional<Stored> canary = read(jdbi);
        if (canary.isEmpty() || canary.get().keyId() == cipher.primaryKeyId()) {
            return;
        }
        requireOpens(cipher, canary.get());
        jdbi.useHandle(h -> h.createUpdate("UPDATE ai_master_key_check SET envelope = :envelope, "
                        + "master_key_id = :keyId, updated_at = :now WHERE id = :id AND envelope = :old")
                .bind("envelope", cipher.newCanary())
                .bind("keyId", cipher.primaryKeyId())
                .bind("now", clock.instant())
                .bind("id", ID)
                .bind("old", canary.get().envelope())
                .execute());
    }

    /** 1 when the canary is not under the primary key yet, else 0. */
    static long remaining(Handle h, SecretCipher cipher) {
        return h.createQuery("SELECT COUNT(*) FROM ai_master_key_check WHERE master_key_id <> :primary")
                .bind("primary", cipher.primaryKeyId())
                .mapTo(Long.class)
                .one();
    }

    private static Optional<Stored> read(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT envelope, master_key_id FROM ai_master_key_check WHERE id = :id")
                .bind("id", ID)
                .map((rs, ctx) -> new Stored(rs.getBytes("envelope"), rs.getInt("master_key_id")))
                .findOne());
    }

    private static void requireOpens(SecretCipher cipher, Stored canary) {
        if (!cipher.opensCanary(canary.envelope())) {
            throw wrongKey(cipher, "master key id " + canary.keyId());
        }
    }

    /** A database from before the canary: some stored key must decrypt, or the master key is wrong. */
    private static void checkExistingKeys(Jdbi jdbi, SecretCipher cipher) {
        boolean anyKeys = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_provider_keys")
                .mapTo(Long.class).one()) > 0;
        if (!anyKeys) {
            return;
        }
        for (int keyId : cipher.keyIds()) {
            List<KeyRow> sample = jdbi.withHandle(h -> h.createQuery("SELECT org_id, provider, envelope "
                            + "FROM ai_provider_keys WHERE master_key_id = :keyId ORDER BY org_id, provider")
                    .bind("keyId", keyId)
                    .setMaxRows(SAMPLE)
                    .map((rs, ctx) -> new KeyRow(rs.getString("org_id"), rs.getString("provider"),
                            rs.getBytes("envelope")))
                    .list());
            for (KeyRow row : sample) {
                try {
                    cipher.decrypt(row.envelope(), OrgId.of(row.orgId()), ProviderId.of(row.provider()));
                    return;
                } catch (ConfigurationException notThisOne) {
                    // an envelope copied between rows, or a key id shared by another key: try the next
                }
            }
        }
        List<Integer> used = jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT master_key_id FROM ai_provider_keys "
                        + "ORDER BY master_key_id")
                .setMaxRows(5)
                .mapTo(Integer.class)
                .list());
        throw wrongKey(cipher, "master key id" + (used.size() == 1 ? " " + used.get(0) : "s " + used));
    }

    private static ConfigurationException wrongKey(SecretCipher cipher, String storedUnder) {
        return new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null, "the configured master key is not the "
                + "one the stored provider keys were encrypted with (they were made with " + storedUnder
                + "; the configured key has id" + (cipher.keyIds().size() == 1 ? " " + cipher.keyIds().get(0)
                        : "s " + new TreeSet<>(cipher.keyIds())) + "), so none of them could be decrypted; configure "
                + "the master key they were made with (" + SecretCipher.MASTER_KEY_ENV + " or wherever the "
                + "application reads it from; during a rotation, the keyset holding both the old and the new key). "
                + "If that key is lost, the stored keys cannot be recovered: delete the rows of ai_provider_keys and "
                + "ai_master_key_check, start with the new master key and store every org's provider keys again");
    }

    /** Whether a failure says a table does not exist (PostgreSQL 42P01, H2 42S02 / 42S04). */
    private static boolean isMissingTable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && List.of("42P01", "42S02", "42S04").contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
