package dev.aitenancy.memory;

import dev.aitenancy.contract.ConversationStoreContract;
import dev.aitenancy.conversations.ConversationStore;
import java.time.Clock;

/** The {@link ConversationStoreContract} in memory. */
class InMemoryConversationStoreTest extends ConversationStoreContract {

    @Override
    protected ConversationStore newStore(Clock clock) {
        return new InMemoryConversationStore(clock);
    }
}
