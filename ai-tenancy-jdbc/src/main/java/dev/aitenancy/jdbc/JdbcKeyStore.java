package dev.aitenancy.jdbc;

import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.keys.ProviderKeyStatus;
import dev.aitenancy.keys.StoredKey;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Provider keys in {@code ai_provider_keys}, one row per (org, provider), each an envelope of
 * {@link SecretCipher} bound to its org and provider. The key itself is never stored in clear;
 * only its last four characters are, for display. The master key is checked against the
 * database's canary ({@link MasterKeyCheck}) when the store is created, or, when the schema was not
 * migrated yet, before its first read or write.
 */
final class JdbcKeyStore implements KeyStore {

    private final Jdbi jdbi;
    private final SecretCipher cipher;
    private final Clock clock;
    private volatile boolean masterKeyChecked;

    JdbcKeyStore(Jdbi jdbi, SecretCipher cipher, Clock clock) {
        this.jdbi = jdbi;
        this.cipher = cipher;
        this.clock = clock;
    }

    /**
     * Checks the master key against the database once.
     *
     * @throws dev.aitenancy.ConfigurationException {@code AI_CONFIG_INVALID} when it is the wrong one
     */
    void checkMasterKey() {
        if (!masterKeyChecked) {
            masterKeyChecked = MasterKeyCheck.verify(jdbi, cipher, clock);
        }
    }

    @Override
    public Optional<StoredKey> find(OrgId org, ProviderId provider) {
        checkMasterKey();
        return jdbi.withHandle(h -> h.createQuery("SELECT envelope, last_verified_at FROM ai_provider_keys "
                        + "WHERE org_id = :org AND provider = :provider")
                .bind("org", org.value())
                .bind("provider", provider.name())
                .map((rs, ctx) -> new StoredKey(cipher.decrypt(rs.getBytes("envelope"), org, provider),
                        instant(rs, "last_verified_at")))
                .findOne());
    }

    @Override
    public void put(OrgId org, ProviderId provider, ApiKey key, String actor) {
        checkMasterKey();
        byte[] envelope = cipher.encrypt(key, org, provider);
        String last4 = key.reveal().length() >= 12 ? key.reveal().substring(key.reveal().length() - 4) : "";
        Instant now = clock.instant();
        Sql.upsert(jdbi, h -> update(h, org, provider, envelope, last4, actor, now),
                h -> h.createUpdate("INSERT INTO ai_provider_keys (org_id, provider, envelope, master_key_id, "
                                + "key_last4, created_by, created_at, updated_at) "
                                + "VALUES (:org, :provider, :envelope, :keyId, :last4, :actor, :now, :now)")
                        .bind("actor", actor)
                        .bind("org", org.value())
                        .bind("provider", provider.name())
                        .bind("envelope", envelope)
                        .bind("keyId", cipher.primaryKeyId())
                        .bind("last4", last4)
                        .bind("now", now)
                        .execute());
    }

    private int update(Handle h, OrgId org, ProviderId provider, byte[] envelope, String last4, String actor,
            Instant now) {
        return h.createUpdate("UPDATE ai_provider_keys SET envelope = :envelope, master_key_id = :keyId, "
                        + "key_last4 = :last4, created_by = :actor, updated_at = :now, last_verified_at = NULL "
                        + "WHERE org_id = :org AND provider = :provider")
                .bind("org", org.value())
                .bind("provider", provider.name())
                .bind("envelope", envelope)
                .bind("keyId", cipher.primaryKeyId())
                .bind("last4", last4)
                .bind("actor", actor)
                .bind("now", now)
                .execute();
    }

    @Override
    public boolean delete(OrgId org, ProviderId provider) {
        return jdbi.withHandle(h -> h.createUpdate(
                        "DELETE FROM ai_provider_keys WHERE org_id = :org AND provider = :provider")
                .bind("org", org.value())
                .bind("provider", provider.name())
                .execute()) > 0;
    }

    @Override
    public List<ProviderKeyStatus> status(OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT provider, key_last4, last_verified_at, updated_at, created_by "
                        + "FROM ai_provider_keys WHERE org_id = :org ORDER BY provider")
                .bind("org", org.value())
                .map((rs, ctx) -> new ProviderKeyStatus(ProviderId.of(rs.getString("provider")),
                        "****" + rs.getString("key_last4"), instant(rs, "last_verified_at"), instant(rs, "updated_at"),
                        rs.getString("created_by"), null))
                .list());
    }

    @Override
    public boolean markVerified(OrgId org, ProviderId provider, Instant at) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE ai_provider_keys SET last_verified_at = :at "
                        + "WHERE org_id = :org AND provider = :provider")
                .bind("at", at)
                .bind("org", org.value())
                .bind("provider", provider.name())
                .execute()) > 0;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    @Override
    public String toString() {
        return "JdbcKeyStore[" + cipher + "]";
    }
}
