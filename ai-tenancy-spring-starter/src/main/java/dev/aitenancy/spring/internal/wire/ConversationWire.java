package dev.aitenancy.spring.internal.wire;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationPage;
import dev.aitenancy.conversations.StoredMessage;
import java.util.List;

/** The bodies of the conversation endpoints. */
public final class ConversationWire {

    private ConversationWire() {
    }

    /** A new conversation, or a new title ({@code null} clears it). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TitleRequest(String title) {
    }

    /** A conversation's header. */
    public record ConversationView(String id, String userId, String title, String createdAt, String updatedAt,
            long messageCount) {

        public static ConversationView of(Conversation c) {
            return new ConversationView(WireJson.string(c.id()), c.userId(), c.title(), WireJson.string(c.createdAt()),
                    WireJson.string(c.updatedAt()), c.messageCount());
        }
    }

    /** A page of conversations, the most recently active first. */
    public record ConversationPageView(List<ConversationView> conversations, String nextCursor) {

        public static ConversationPageView of(ConversationPage p) {
            return new ConversationPageView(p.conversations().stream().map(ConversationView::of).toList(),
                    p.nextCursor());
        }
    }

    /** A message as the conversation keeps it: its position, the message, and the call that produced it. */
    public record StoredMessageView(long seq, @JsonUnwrapped ChatWire.MessageView message, String usageRecordId,
            String createdAt) {

        public static StoredMessageView of(StoredMessage m) {
            return new StoredMessageView(m.seq(), ChatWire.MessageView.of(m.message()),
                    WireJson.string(m.usageRecordId()), WireJson.string(m.createdAt()));
        }
    }

    /** A conversation with its last messages, oldest first. */
    public record ConversationDetailView(@JsonUnwrapped ConversationView conversation, List<StoredMessageView> messages) {

        public static ConversationDetailView of(Conversation c, List<StoredMessage> messages) {
            return new ConversationDetailView(ConversationView.of(c), messages.stream().map(StoredMessageView::of).toList());
        }
    }
}
