package dev.aitenancy.jdbc;

import dev.aitenancy.contract.ConversationStoreContract;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link ConversationStoreContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcConversationStoreContractTest extends ConversationStoreContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected ConversationStore newStore(Clock clock) {
        return AiTenancyJdbc.create(databases.open(database), clock, true).conversationStore();
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
