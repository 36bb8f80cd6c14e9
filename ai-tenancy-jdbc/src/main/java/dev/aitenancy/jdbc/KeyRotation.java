package dev.aitenancy.jdbc;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Re-encrypts every stored provider key under the cipher's primary master key, in small batches,
 * while the application keeps serving. Each row is rewritten only if it still holds the envelope
 * that was read (a key stored meanwhile is left alone), so the job is safe to run on several
 * instances at once, and since it only ever picks rows still made with another key it can be
 * stopped and run again at any point. Each run first re-encrypts the master key's canary
 * ({@code ai_master_key_check}, which every start opens to refuse a wrong master key). When it
 * reports nothing remaining, the old master key can be retired with
 * {@link SecretCipher#withoutKey(int)}.
 */
public final class KeyRotation {

    /**
     * Progress after each batch.
     *
     * @param reEncrypted provider keys rewritten by this run so far (the canary is not counted)
     * @param failed      envelopes that did not decrypt (made for another row, or under a key the
     *                    cipher no longer has); they are left as they are and reported here
     * @param remaining   envelopes still under another key, the failed ones included (as
     *                    {@link #remaining()})
     */
    public record Progress(long reEncrypted, long failed, long remaining) {
    }

    private record Row(String orgId, String provider, byte[] envelope) {
    }

    private final Jdbi jdbi;
    private final SecretCipher cipher;
    private final Clock clock;

    KeyRotation(Jdbi jdbi, SecretCipher cipher, Clock clock) {
        this.jdbi = jdbi;
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.clock = clock;
    }

    /** Envelopes not yet under the primary master key, the master key's canary counted as one. */
    public long remaining() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_provider_keys WHERE master_key_id <> :primary")
                .bind("primary", cipher.primaryKeyId())
                .mapTo(Long.class)
                .one() + MasterKeyCheck.remaining(h, cipher));
    }

    /**
     * One pass over every envelope under an older key, in key order, after the master key's canary.
     *
     * @param batchSize rows per transaction
     * @param progress  told after every batch
     * @return the progress at the end of the pass
     * @throws ConfigurationException {@code AI_CONFIG_INVALID} when {@code cipher} does not hold the
     *                                master key the canary was made with (nothing is rewritten)
     */
    public Progress run(int batchSize, Consumer<Progress> progress) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0");
        }
        MasterKeyCheck.reEncrypt(jdbi, cipher, clock);
        long done = 0;
        long failed = 0;
        String afterOrg = "";
        String afterProvider = "";
        while (true) {
            String fromOrg = afterOrg;
            String fromProvider = afterProvider;
            List<Row> batch = jdbi.withHandle(h -> h.createQuery("SELECT org_id, provider, envelope "
                            + "FROM ai_provider_keys WHERE master_key_id <> :primary "
                            + "AND (org_id > :org OR (org_id = :org AND provider > :provider)) "
                            + "ORDER BY org_id, provider")
                    .bind("primary", cipher.primaryKeyId())
                    .bind("org", fromOrg)
                    .bind("provider", fromProvider)
                    .setMaxRows(batchSize)
                    .map((rs, ctx) -> new Row(rs.getString("org_id"), rs.getString("provider"), rs.getBytes("envelope")))
                    .list());
            if (batch.isEmpty()) {
                return new Progress(done, failed, remaining());
            }
            long[] counts = jdbi.inTransaction(h -> {
                long rewritten = 0;
                long undecryptable = 0;
                for (Row row : batch) {
                    OrgId org = OrgId.of(row.orgId());
                    ProviderId provider = ProviderId.of(row.provider());
                    ApiKey key;
                    try {
                        key = cipher.decrypt(row.envelope(), org, provider);
                    } catch (ConfigurationException e) {
                        undecryptable++;
                        continue;
                    }
                    rewritten += h.createUpdate("UPDATE ai_provider_keys SET envelope = :envelope, "
                                    + "master_key_id = :primary "
                                    + "WHERE org_id = :org AND provider = :provider AND envelope = :old")
                            .bind("envelope", cipher.encrypt(key, org, provider))
                            .bind("primary", cipher.primaryKeyId())
                            .bind("org", row.orgId())
                            .bind("provider", row.provider())
                            .bind("old", row.envelope())
                            .execute();
                }
                return new long[] {rewritten, undecryptable};
            });
            done += counts[0];
            failed += counts[1];
            Row last = batch.get(batch.size() - 1);
            afterOrg = last.orgId();
            afterProvider = last.provider();
            progress.accept(new Progress(done, failed, remaining()));
        }
    }
}
