package dev.aitenancy.jdbc;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.ConversationNotFoundException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.StoreException;
import dev.aitenancy.chat.Message;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationPage;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.conversations.StoredMessage;
import dev.aitenancy.jdbc.internal.MessageJson;
import dev.aitenancy.jdbc.internal.Sql;
import dev.aitenancy.spi.ConversationChecks;
import dev.aitenancy.spi.ConversationCursor;
import dev.aitenancy.tenant.OrgId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * Conversations in {@code ai_conversations} and their messages in {@code ai_conversation_messages}
 * (migration V16), each message as JSON. Every statement names the owner (org and user) next to
 * the id, so another org's or user's conversation reads as absent.
 *
 * <p>An append is one transaction: an {@code UPDATE} raises the conversation's message count by
 * the exchange's size (locking its row until the commit, so appends from any thread or instance
 * queue up there), reads the new count and inserts the messages at the seq numbers after the old
 * one. Messages are deleted with their conversation by the foreign key's {@code ON DELETE CASCADE},
 * by {@link #delete} and by {@link #purge} alike. A database failure reaches the caller as
 * {@link StoreException} ({@code AI_STORE_UNAVAILABLE}) naming the step and the org, never the SQL;
 * its cause keeps the driver's exception.
 */
public final class JdbcConversationStore implements ConversationStore {

    private static final String COLUMNS = "id, org_id, user_id, title, created_at, updated_at, message_count";

    private final Jdbi jdbi;
    private final Clock clock;

    JdbcConversationStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public Conversation create(OrgId org, String userId, String title) {
        ConversationChecks.userId(org, userId);
        ConversationChecks.title(org, title);
        Instant now = ConversationChecks.now(clock);
        Conversation c = new Conversation(UUID.randomUUID(), org, userId, title, now, now, 0);
        guarded(org, "start a conversation", () -> jdbi.withHandle(h -> h.createUpdate(
                        "INSERT INTO ai_conversations (" + COLUMNS + ") VALUES (:id, :org, :user, :title, :at, :at, 0)")
                .bind("id", c.id()).bind("org", org.value()).bind("user", userId).bind("title", title)
                .bind("at", now)
                .execute()));
        return c;
    }

    @Override
    public Optional<Conversation> find(OrgId org, String userId, UUID id) {
        ConversationChecks.userId(org, userId);
        Objects.requireNonNull(id, "id");
        return guarded(org, "read a conversation", () -> jdbi.withHandle(h -> header(h, org, userId, id)));
    }

    @Override
    public List<StoredMessage> lastMessages(OrgId org, String userId, UUID id, int n) {
        ConversationChecks.userId(org, userId);
        ConversationChecks.count(org, "number of messages", n);
        Objects.requireNonNull(id, "id");
        return guarded(org, "read a conversation's messages", () -> jdbi.inTransaction(h -> {
            long count = header(h, org, userId, id).orElseThrow(() -> notFound(org, id)).messageCount();
            // the messages up to the count read are all committed (they commit with it); later
            // appends are left out, so the answer is the last n as of that count
            return h.createQuery("SELECT seq, body, usage_record_id, created_at FROM ai_conversation_messages "
                            + "WHERE conversation_id = :id AND seq > :from AND seq <= :to ORDER BY seq")
                    .bind("id", id).bind("from", count - n).bind("to", count)
                    .map((rs, ctx) -> message(id, rs))
                    .list();
        }));
    }

    @Override
    public void append(OrgId org, String userId, UUID id, List<Message> exchange, UUID usageRecordId) {
        ConversationChecks.userId(org, userId);
        List<Message> messages = ConversationChecks.exchange(org, exchange);
        Objects.requireNonNull(id, "id");
        List<String> bodies = messages.stream().map(MessageJson::write).toList();
        guarded(org, "append to a conversation", () -> Sql.retryingConflicts(() -> jdbi.inTransaction(h -> {
            Instant now = ConversationChecks.now(clock);
            int updated = h.createUpdate("UPDATE ai_conversations SET message_count = message_count + :k, "
                            + "updated_at = GREATEST(updated_at, :now) "
                            + "WHERE id = :id AND org_id = :org AND user_id = :user")
                    .bind("k", (long) messages.size()).bind("now", now)
                    .bind("id", id).bind("org", org.value()).bind("user", userId)
                    .execute();
            if (updated == 0) {
                throw notFound(org, id);
            }
            long count = h.createQuery("SELECT message_count FROM ai_conversations WHERE id = :id")
                    .bind("id", id).mapTo(Long.class).one();
            long seq = count - messages.size();
            PreparedBatch insert = h.prepareBatch("INSERT INTO ai_conversation_messages "
                    + "(conversation_id, seq, role, body, usage_record_id, created_at) "
                    + "VALUES (:id, :seq, :role, :body, CAST(:usage AS UUID), :at)"); // a null binds untyped
            for (int i = 0; i < messages.size(); i++) {
                insert.bind("id", id).bind("seq", ++seq).bind("role", MessageJson.roleName(messages.get(i).role()))
                        .bind("body", bodies.get(i)).bind("usage", usageRecordId).bind("at", now)
                        .add();
            }
            insert.execute();
            return null;
        })));
    }

    @Override
    public ConversationPage list(OrgId org, String userId, String cursor, int limit) {
        ConversationChecks.userId(org, userId);
        return page(org, userId, cursor, limit);
    }

    @Override
    public ConversationPage listOrg(OrgId org, String cursor, int limit) {
        Objects.requireNonNull(org, "org");
        return page(org, null, cursor, limit);
    }

    private ConversationPage page(OrgId org, String userId, String cursor, int limit) {
        ConversationChecks.count(org, "page size", limit);
        ConversationCursor after = cursor == null ? null : ConversationCursor.decode(cursor);
        String sql = "SELECT " + COLUMNS + " FROM ai_conversations WHERE org_id = :org"
                + (userId == null ? "" : " AND user_id = :user")
                // a row-value comparison: PostgreSQL seeks the index to the cursor (an OR form it only filters)
                + (after == null ? "" : " AND (updated_at, id) < (:at, :id)")
                + " ORDER BY updated_at DESC, id DESC";
        return guarded(org, "list conversations", () -> jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("org", org.value());
            if (userId != null) {
                q.bind("user", userId);
            }
            if (after != null) {
                q.bind("at", after.updatedAt()).bind("id", after.id());
            }
            List<Conversation> rows = q.setMaxRows((int) Math.min(limit + 1L, Integer.MAX_VALUE))
                    .map((rs, ctx) -> conversation(org, rs))
                    .list();
            return ConversationCursor.page(rows, limit);
        }));
    }

    @Override
    public Conversation rename(OrgId org, String userId, UUID id, String title) {
        ConversationChecks.userId(org, userId);
        ConversationChecks.title(org, title);
        Objects.requireNonNull(id, "id");
        return guarded(org, "rename a conversation", () -> jdbi.inTransaction(h -> {
            int updated = h.createUpdate("UPDATE ai_conversations SET title = :title "
                            + "WHERE id = :id AND org_id = :org AND user_id = :user")
                    .bind("title", title).bind("id", id).bind("org", org.value()).bind("user", userId)
                    .execute();
            if (updated == 0) {
                throw notFound(org, id);
            }
            return header(h, org, userId, id).orElseThrow(() -> notFound(org, id));
        }));
    }

    @Override
    public void delete(OrgId org, String userId, UUID id) {
        ConversationChecks.userId(org, userId);
        Objects.requireNonNull(id, "id");
        int deleted = guarded(org, "delete a conversation", () -> Sql.retryingConflicts(() -> jdbi.withHandle(h ->
                h.createUpdate("DELETE FROM ai_conversations WHERE id = :id AND org_id = :org AND user_id = :user")
                        .bind("id", id).bind("org", org.value()).bind("user", userId)
                        .execute())));
        if (deleted == 0) {
            throw notFound(org, id);
        }
    }

    @Override
    public long purge(OrgId org, Instant before) {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(before, "before");
        return guarded(org, "purge old conversations", () -> Sql.retryingConflicts(() -> jdbi.withHandle(h ->
                h.createUpdate("DELETE FROM ai_conversations WHERE org_id = :org AND updated_at < :before")
                        .bind("org", org.value()).bind("before", before)
                        .execute())));
    }

    private static Optional<Conversation> header(Handle h, OrgId org, String userId, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM ai_conversations "
                        + "WHERE id = :id AND org_id = :org AND user_id = :user")
                .bind("id", id).bind("org", org.value()).bind("user", userId)
                .map((rs, ctx) -> conversation(org, rs))
                .findOne();
    }

    private static Conversation conversation(OrgId org, ResultSet rs) throws SQLException {
        return new Conversation(rs.getObject("id", UUID.class), org, rs.getString("user_id"), rs.getString("title"),
                instant(rs, "created_at"), instant(rs, "updated_at"), rs.getLong("message_count"));
    }

    private static StoredMessage message(UUID conversation, ResultSet rs) throws SQLException {
        long seq = rs.getLong("seq");
        Message m;
        try {
            m = MessageJson.read(rs.getString("body"));
        } catch (RuntimeException e) {
            throw new IllegalStateException("message " + seq + " of conversation " + conversation
                    + " cannot be read: " + e.getMessage(), e);
        }
        return new StoredMessage(seq, m, rs.getObject("usage_record_id", UUID.class), instant(rs, "created_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static ConversationNotFoundException notFound(OrgId org, UUID id) {
        return new ConversationNotFoundException(org.value(), id);
    }

    /** Runs {@code work}, turning a database failure into a {@link StoreException} without SQL. */
    private static <T> T guarded(OrgId org, String step, Supplier<T> work) {
        try {
            return work.get();
        } catch (AiTenancyException e) {
            throw e;
        } catch (JdbiException e) {
            throw new StoreException(ErrorCode.AI_STORE_UNAVAILABLE, org.value(), "could not " + step + " for org "
                    + org + ": the conversation store failed or did not answer in time; try again shortly", e);
        }
    }
}
