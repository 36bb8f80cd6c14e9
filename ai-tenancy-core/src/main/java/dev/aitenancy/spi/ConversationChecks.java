package dev.aitenancy.spi;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.chat.Message;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * The checks every {@link dev.aitenancy.conversations.ConversationStore} makes before it reads or
 * writes, so each store refuses the same requests with the same {@code AI_INVALID_REQUEST} message.
 */
public final class ConversationChecks {

    private ConversationChecks() {
    }

    /**
     * A conversation owner's user id: not blank, at most {@link JobRequest#MAX_USER_ID_LENGTH}
     * characters, no control characters.
     */
    public static String userId(OrgId org, String userId) {
        return UserIds.check(org, userId, "a conversation belongs to a user; give the caller's user id (not blank)");
    }

    /** A title: null (none) or at most {@link Conversation#MAX_TITLE_LENGTH} characters. */
    public static String title(OrgId org, String title) {
        if (title != null && title.length() > Conversation.MAX_TITLE_LENGTH) {
            throw invalid(org, "the title is " + title.length() + " characters long; at most "
                    + Conversation.MAX_TITLE_LENGTH + " are accepted, shorten it");
        }
        return title;
    }

    /** A count of messages or conversations to read: at least 1. */
    public static int count(OrgId org, String name, int value) {
        if (value < 1) {
            throw invalid(org, "the " + name + " must be at least 1, was " + value);
        }
        return value;
    }

    /** An exchange to append: at least one message, none null; returned as an unmodifiable copy. */
    public static List<Message> exchange(OrgId org, List<Message> exchange) {
        if (exchange == null || exchange.isEmpty()) {
            throw invalid(org, "an exchange to append needs at least one message");
        }
        if (exchange.stream().anyMatch(Objects::isNull)) {
            throw invalid(org, "an exchange to append must not contain null messages");
        }
        return List.copyOf(exchange);
    }

    /**
     * The time a store records: the clock's instant cut to microseconds, the precision of the
     * databases' timestamps, so a conversation reads back the same from every store.
     */
    public static Instant now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static InvalidRequestException invalid(OrgId org, String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, org == null ? null : org.value(), message);
    }
}
