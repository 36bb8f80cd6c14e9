package dev.aitenancy.conversations;

import java.util.List;

/**
 * One page of conversations, the most recently active first.
 *
 * @param conversations the page
 * @param nextCursor    where the next page starts, or null on the last page
 */
public record ConversationPage(List<Conversation> conversations, String nextCursor) {

    public ConversationPage {
        conversations = List.copyOf(conversations);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
