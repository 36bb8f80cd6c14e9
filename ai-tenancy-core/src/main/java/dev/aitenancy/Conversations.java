package dev.aitenancy;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.conversations.StoredMessage;
import dev.aitenancy.internal.Secrets;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.tenant.OrgId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call's conversation: the history it sends first, and the exchange it appends when it succeeds.
 * An org that stores no text keeps no conversations. Stored text is the text sent and answered (a
 * conversation needs it whole), with the org's key scrubbed wherever it appears.
 */
final class Conversations {

    /** How many earlier messages a call in a conversation sends when the org sets nothing else. */
    static final int DEFAULT_HISTORY = 20;

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private final ConversationStore store;
    private final ToIntFunction<OrgId> historySize;

    Conversations(ConversationStore store, ToIntFunction<OrgId> historySize) {
        this.store = store;
        this.historySize = historySize;
    }

    /** The conversation's last messages, oldest first; none when the request names no conversation. */
    List<Message> history(OrgId org, JobRequest request, CallRecords records) {
        if (request.conversationId() == null) {
            return List.of();
        }
        if (store == null) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "the request names a "
                    + "conversation but this LLMJob has no ConversationStore; add one to its builder");
        }
        if (!records.storesText(org)) {
            throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, org.value(), "org " + org + " does not "
                    + "store text, so it keeps no conversations; send the earlier messages with the request instead, "
                    + "or have an admin switch text storage on");
        }
        int n = Math.max(1, historySize.applyAsInt(org));
        List<StoredMessage> stored = store.lastMessages(org, request.caller().userId(), request.conversationId(), n);
        List<Message> history = new ArrayList<>(stored.size());
        for (StoredMessage m : stored) {
            history.add(m.message());
        }
        // the window starts at a user message: one that starts at a tool result has lost the call it
        // answers, and Anthropic and Gemini refuse a conversation that opens with the model's turn
        while (!history.isEmpty() && history.get(0).role() != dev.aitenancy.chat.Role.USER) {
            history.remove(0);
        }
        return history;
    }

    /**
     * Appends the call's own messages and the answer to its conversation, after its record is
     * written.
     *
     * @throws StoreException {@code AI_STORE_UNAVAILABLE} when the store fails: the answer is recorded
     *                        (and charged) but its conversation does not have it
     */
    void append(Admission a, String answer, List<ToolCall> toolCalls, UUID usageRecordId) {
        JobRequest request = a.request();
        if (request.conversationId() == null) {
            return;
        }
        List<Message> exchange = new ArrayList<>();
        for (Message m : a.newMessages()) {
            exchange.add(scrubbed(m, a.key()));
        }
        exchange.add(scrubbed(toolCalls.isEmpty() ? Message.assistant(answer) : Message.assistant(answer, toolCalls),
                a.key()));
        try {
            store.append(a.org(), request.caller().userId(), request.conversationId(), exchange, usageRecordId);
        } catch (AiTenancyException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("could not append to conversation {} of org {} ({})", request.conversationId(), a.org(),
                    e.getClass().getSimpleName());
            throw new StoreException(ErrorCode.AI_STORE_UNAVAILABLE, a.org().value(), "the answer was recorded (usage "
                    + "record " + usageRecordId + ") but could not be added to conversation " + request.conversationId()
                    + "; ask again once the conversation store is back", e);
        }
    }

    private static Message scrubbed(Message m, ApiKey key) {
        if (key == null) {
            return m;
        }
        String secret = key.reveal();
        List<Part> parts = new ArrayList<>(m.parts().size());
        for (Part p : m.parts()) {
            parts.add(p instanceof Part.Text t ? Part.text(Secrets.scrub(t.text(), secret)) : p);
        }
        List<ToolCall> calls = new ArrayList<>(m.toolCalls().size());
        for (ToolCall c : m.toolCalls()) {
            calls.add(new ToolCall(c.id(), c.name(), Secrets.scrub(c.argumentsJson(), secret)));
        }
        return new Message(m.role(), parts, calls, m.toolCallId(), m.toolName());
    }
}
