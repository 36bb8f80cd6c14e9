package dev.aitenancy.conversations;

import dev.aitenancy.tenant.OrgId;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One conversation's header (never its messages).
 *
 * @param id           its id
 * @param org          the org that owns it
 * @param userId       the user that owns it
 * @param title        a title, or null
 * @param createdAt    when it was started
 * @param updatedAt    when the last exchange was appended (the creation time before that)
 * @param messageCount how many messages it holds
 */
public record Conversation(UUID id, OrgId org, String userId, String title, Instant createdAt, Instant updatedAt,
        long messageCount) {

    /** Longest title accepted. */
    public static final int MAX_TITLE_LENGTH = 200;

    public Conversation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
