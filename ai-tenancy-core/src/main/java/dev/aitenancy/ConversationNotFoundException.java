package dev.aitenancy;

/**
 * {@code AI_CONVERSATION_NOT_FOUND}: the conversation is not one of this org's and user's. The same
 * error whether it never existed, was deleted, or belongs to another org or user.
 */
public final class ConversationNotFoundException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public ConversationNotFoundException(String orgId, java.util.UUID conversationId) {
        super(ErrorCode.AI_CONVERSATION_NOT_FOUND, orgId, "conversation " + conversationId
                + " was not found for this user; list the user's conversations or start a new one", null);
    }
}
