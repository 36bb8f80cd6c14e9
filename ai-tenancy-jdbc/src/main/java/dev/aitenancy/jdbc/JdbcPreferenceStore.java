package dev.aitenancy.jdbc;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.StoreException;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.spi.PreferenceChecks;
import dev.aitenancy.spi.TtlCache;
import dev.aitenancy.tenant.OrgId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Update;

/**
 * AI preferences in {@code ai_preferences} (migration V19): one row per org for its defaults
 * ({@code user_id ''}, which no user id can be) and one per user who set their own. A write of
 * {@link AiPreferences#NONE} deletes the row; any other write updates every column of the row in one
 * statement, or inserts it, so concurrent writers leave one of their values whole. Reads are kept for
 * the config cache's lifetime ({@link AiTenancyJdbc#withConfigCache}); a write through this store
 * applies to its reads at once. A database failure reaches the caller as {@link StoreException}
 * ({@code AI_STORE_UNAVAILABLE}) naming the step and the org, never the SQL.
 */
public final class JdbcPreferenceStore implements PreferenceStore {

    /** The {@code user_id} of an org's own row. */
    private static final String ORG_ROW = "";

    private record Slot(OrgId org, String userId) {
    }

    private final Jdbi jdbi;
    private final Clock clock;
    private final TtlCache<Slot, AiPreferences> cached;

    JdbcPreferenceStore(Jdbi jdbi, Clock clock, Duration cacheTtl) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.cached = new TtlCache<>(cacheTtl, clock, 10_000);
    }

    @Override
    public AiPreferences org(OrgId org) {
        return cached.get(new Slot(Objects.requireNonNull(org, "org"), ORG_ROW), this::read);
    }

    @Override
    public AiPreferences user(OrgId org, String userId) {
        return cached.get(new Slot(org, PreferenceChecks.userId(org, userId)), this::read);
    }

    @Override
    public void setOrg(OrgId org, AiPreferences preferences) {
        write(new Slot(Objects.requireNonNull(org, "org"), ORG_ROW), preferences);
    }

    @Override
    public void setUser(OrgId org, String userId, AiPreferences preferences) {
        write(new Slot(org, PreferenceChecks.userId(org, userId)), preferences);
    }

    @Override
    public void clearUser(OrgId org, String userId) {
        write(new Slot(org, PreferenceChecks.userId(org, userId)), AiPreferences.NONE);
    }

    private AiPreferences read(Slot slot) {
        return guarded(slot.org(), "read the AI preferences", () -> jdbi.withHandle(h -> h.createQuery(
                        "SELECT tone, max_answer_tokens, model_provider, model_id FROM ai_preferences "
                                + "WHERE org_id = :org AND user_id = :user")
                .bind("org", slot.org().value()).bind("user", slot.userId())
                .map((rs, ctx) -> preferences(rs))
                .findOne()
                .orElse(AiPreferences.NONE)));
    }

    private void write(Slot slot, AiPreferences p) {
        Objects.requireNonNull(p, "preferences (AiPreferences.NONE for none)");
        try {
            guarded(slot.org(), "save the AI preferences", () -> {
                if (p.isEmpty()) {
                    jdbi.useHandle(h -> h.createUpdate(
                                    "DELETE FROM ai_preferences WHERE org_id = :org AND user_id = :user")
                            .bind("org", slot.org().value()).bind("user", slot.userId())
                            .execute());
                    return null;
                }
                var now = clock.instant();
                Sql.upsert(jdbi,
                        h -> bind(h.createUpdate("UPDATE ai_preferences SET tone = :tone, "
                                + "max_answer_tokens = :tokens, model_provider = :provider, model_id = :model, "
                                + "updated_at = :now WHERE org_id = :org AND user_id = :user"), slot, p, now).execute(),
                        h -> bind(h.createUpdate("INSERT INTO ai_preferences (org_id, user_id, tone, max_answer_tokens, "
                                + "model_provider, model_id, updated_at) "
                                + "VALUES (:org, :user, :tone, :tokens, :provider, :model, :now)"), slot, p, now).execute());
                return null;
            });
        } finally {
            cached.invalidateIf(slot::equals); // also after a failure: the row may have changed
        }
    }

    private static Update bind(Update u, Slot slot, AiPreferences p, java.time.Instant now) {
        return u.bind("org", slot.org().value()).bind("user", slot.userId())
                .bind("tone", p.tone())
                .bind("tokens", p.maxAnswerTokens())
                .bind("provider", p.model() == null ? null : p.model().provider().name())
                .bind("model", p.model() == null ? null : p.model().model())
                .bind("now", now);
    }

    private static AiPreferences preferences(ResultSet rs) throws SQLException {
        int tokens = rs.getInt("max_answer_tokens");
        Integer maxAnswerTokens = rs.wasNull() ? null : tokens;
        String provider = rs.getString("model_provider");
        String model = rs.getString("model_id");
        return new AiPreferences(rs.getString("tone"), maxAnswerTokens,
                provider == null || model == null ? null : ModelRef.of(new ProviderId(provider), model));
    }

    /** Runs {@code work}, turning a database failure into a {@link StoreException} without SQL. */
    private static <T> T guarded(OrgId org, String step, Supplier<T> work) {
        try {
            return work.get();
        } catch (AiTenancyException e) {
            throw e;
        } catch (JdbiException e) {
            throw new StoreException(ErrorCode.AI_STORE_UNAVAILABLE, org.value(), "could not " + step + " of org "
                    + org + ": the preference store failed or did not answer in time; try again shortly", e);
        }
    }
}
