package dev.aitenancy.conversations;

import dev.aitenancy.chat.Message;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A message as a conversation keeps it.
 *
 * @param seq           its position in the conversation, from 1, without gaps
 * @param message       the message (its text redacted when the org's policy says so)
 * @param usageRecordId the usage record of the call that produced the exchange it belongs to
 * @param createdAt     when the exchange was appended
 */
public record StoredMessage(long seq, Message message, UUID usageRecordId, Instant createdAt) {

    public StoredMessage {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
