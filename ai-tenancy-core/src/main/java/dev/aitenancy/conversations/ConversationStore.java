package dev.aitenancy.conversations;

import dev.aitenancy.chat.Message;
import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Conversations owned by an org and a user. Every method that names a conversation takes its owner
 * (org and user) too, and treats a conversation of another org or user exactly like one that does
 * not exist: {@link dev.aitenancy.ConversationNotFoundException} ({@code AI_CONVERSATION_NOT_FOUND})
 * or an empty result, never a hint that it exists. Implementations are thread safe; appends to one
 * conversation from many threads or instances never lose or interleave an exchange.
 *
 * <p>User ids and titles follow the limits of {@link dev.aitenancy.JobRequest#MAX_USER_ID_LENGTH} and
 * {@link Conversation#MAX_TITLE_LENGTH}; longer ones, blank user ids and cursors this store did not
 * make are refused with {@code AI_INVALID_REQUEST}.
 *
 * <p>Implementations: {@link dev.aitenancy.memory.InMemoryConversationStore} and the JDBC module's
 * {@code JdbcConversationStore}; both pass the same contract test. A new one can use
 * {@link dev.aitenancy.spi.ConversationChecks} and {@link dev.aitenancy.spi.ConversationCursor}.
 */
public interface ConversationStore {

    /** Starts an empty conversation for the user; {@code title} may be null. */
    Conversation create(OrgId org, String userId, String title);

    /** The conversation, if the org and user own it. */
    Optional<Conversation> find(OrgId org, String userId, UUID id);

    /**
     * The conversation's last {@code n} messages, oldest first.
     *
     * @throws dev.aitenancy.ConversationNotFoundException when the org and user do not own it
     */
    List<StoredMessage> lastMessages(OrgId org, String userId, UUID id, int n);

    /**
     * Appends one exchange (e.g. the user's message and the assistant's answer, or a tool round),
     * all of it or nothing, after every exchange appended before it.
     *
     * @param usageRecordId the usage record of the call that produced the exchange
     * @throws dev.aitenancy.ConversationNotFoundException when the org and user do not own it
     */
    void append(OrgId org, String userId, UUID id, List<Message> exchange, UUID usageRecordId);

    /**
     * The user's conversations, the most recently active first (by last append, then id).
     *
     * @param cursor the previous page's {@link ConversationPage#nextCursor()}, or null for the first
     */
    ConversationPage list(OrgId org, String userId, String cursor, int limit);

    /** Every user's conversations in the org (headers only), for its admins; order as {@link #list}. */
    ConversationPage listOrg(OrgId org, String cursor, int limit);

    /**
     * Sets the title ({@code null} clears it). Not activity: {@link Conversation#updatedAt()} stays.
     *
     * @throws dev.aitenancy.ConversationNotFoundException when the org and user do not own it
     */
    Conversation rename(OrgId org, String userId, UUID id, String title);

    /**
     * Deletes the conversation and its messages.
     *
     * @throws dev.aitenancy.ConversationNotFoundException when the org and user do not own it
     */
    void delete(OrgId org, String userId, UUID id);

    /**
     * The retention purge: deletes the org's conversations whose last activity was before
     * {@code before}, with their messages.
     *
     * @return how many conversations were deleted
     */
    long purge(OrgId org, Instant before);
}
