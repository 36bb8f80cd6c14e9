package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.StoreException;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.conversations.StoredMessage;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What only the database store must prove beyond the contract: appends from two instances sharing
 * the database stay whole and ordered, deletes and purges leave no message rows behind, rows hold
 * the role and JSON body, and a database failure reaches the caller typed and without SQL.
 */
class JdbcConversationStoreTest {

    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoInstancesAppendingToOneConversationNeverInterleaveNorLoseAnExchange(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            ConversationStore first = AiTenancyJdbc.create(db.dataSource()).conversationStore();
            ConversationStore second = AiTenancyJdbc.create(db.dataSource()).conversationStore();
            Conversation c = first.create(ACME, "ada", null);

            Concurrently.run(12, t -> {
                ConversationStore store = t % 2 == 0 ? first : second;
                for (int e = 0; e < 8; e++) {
                    String tag = "t" + t + " e" + e;
                    ToolCall call = new ToolCall(tag, "lookup", "{}");
                    store.append(ACME, "ada", c.id(), List.of(Message.assistant(null, List.of(call)),
                            Message.toolResult(call, tag + " result"), Message.assistant(tag + " done")), null);
                }
            });

            List<StoredMessage> all = second.lastMessages(ACME, "ada", c.id(), 10_000);
            assertThat(all).hasSize(12 * 8 * 3);
            for (int i = 0; i < all.size(); i += 3) {
                String tag = all.get(i).message().toolCalls().get(0).id();
                assertThat(all.get(i + 1).message()).isEqualTo(Message.toolResult(tag, "lookup", tag + " result"));
                assertThat(all.get(i + 2).message()).isEqualTo(Message.assistant(tag + " done"));
                assertThat(List.of(all.get(i).seq(), all.get(i + 1).seq(), all.get(i + 2).seq()))
                        .containsExactly(i + 1L, i + 2L, i + 3L);
            }
            Map<String, Object> row = Jdbi.create(db.dataSource()).withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi, "
                            + "(SELECT message_count FROM ai_conversations) AS counted FROM ai_conversation_messages")
                    .mapToMap().one());
            assertThat(((Number) row.get("n")).longValue()).isEqualTo(288);
            assertThat(((Number) row.get("lo")).longValue()).isEqualTo(1);
            assertThat(((Number) row.get("hi")).longValue()).isEqualTo(288);
            assertThat(((Number) row.get("counted")).longValue()).isEqualTo(288);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void deletingAndPurgingLeaveNoMessageRowsBehind(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            ConversationStore store = jdbc.conversationStore();
            Conversation deleted = store.create(ACME, "ada", null);
            Conversation purged = store.create(ACME, "bob", null);
            Conversation kept = store.create(GLOBEX, "ada", null);
            for (Conversation c : List.of(deleted, purged, kept)) {
                store.append(c.org(), c.userId(), c.id(), List.of(Message.user("q"), Message.assistant("a")),
                        UUID.randomUUID());
            }

            store.delete(ACME, "ada", deleted.id());
            assertThat(messageRows(jdbc, deleted.id())).isZero();
            assertThat(messageRows(jdbc, purged.id())).isEqualTo(2);

            assertThat(store.purge(ACME, Instant.now().plusSeconds(60))).isEqualTo(1);
            assertThat(messageRows(jdbc, purged.id())).isZero();
            assertThat(messageRows(jdbc, kept.id())).isEqualTo(2);
            int conversations = jdbc.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_conversations")
                    .mapTo(Integer.class).one());
            assertThat(conversations).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMessageRowHoldsItsRoleAndItsJsonBody(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            ConversationStore store = jdbc.conversationStore();
            Conversation c = store.create(ACME, "ada", null);
            UUID usage = UUID.randomUUID();
            store.append(ACME, "ada", c.id(), List.of(Message.toolResult("call_9", "weather", "sunny")), usage);

            Map<String, Object> row = jdbc.jdbi().withHandle(h -> h.createQuery(
                    "SELECT role, body, usage_record_id FROM ai_conversation_messages").mapToMap().one());

            assertThat(row.get("role")).isEqualTo("tool");
            assertThat(String.valueOf(row.get("body"))).isEqualTo("{\"v\":1,\"role\":\"tool\",\"parts\":[{\"type\":"
                    + "\"text\",\"text\":\"sunny\"}],\"toolCallId\":\"call_9\",\"toolName\":\"weather\"}");
            assertThat(row.get("usage_record_id")).isEqualTo(usage);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseFailureIsStoreUnavailableNamingTheStepWithoutSql(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            FlakyDataSource flaky = new FlakyDataSource(db.dataSource());
            ConversationStore store = AiTenancyJdbc.create(flaky).conversationStore();
            Conversation c = store.create(ACME, "ada", null);

            flaky.down();
            assertUnavailable(() -> store.create(ACME, "ada", null), "could not start a conversation for org acme");
            assertUnavailable(() -> store.find(ACME, "ada", c.id()), "could not read a conversation for org acme");
            assertUnavailable(() -> store.lastMessages(ACME, "ada", c.id(), 5),
                    "could not read a conversation's messages for org acme");
            assertUnavailable(() -> store.append(ACME, "ada", c.id(), List.of(Message.user("q")), null),
                    "could not append to a conversation for org acme");
            assertUnavailable(() -> store.list(ACME, "ada", null, 5), "could not list conversations for org acme");
            assertUnavailable(() -> store.listOrg(ACME, null, 5), "could not list conversations for org acme");
            assertUnavailable(() -> store.rename(ACME, "ada", c.id(), "x"), "could not rename a conversation for org acme");
            assertUnavailable(() -> store.delete(ACME, "ada", c.id()), "could not delete a conversation for org acme");
            assertUnavailable(() -> store.purge(ACME, Instant.now()), "could not purge old conversations for org acme");
            flaky.up();
            assertThat(store.find(ACME, "ada", c.id())).contains(c);

            Jdbi.create(db.dataSource()).useHandle(h -> h.execute("DROP TABLE ai_conversation_messages"));
            assertUnavailable(() -> store.append(ACME, "ada", c.id(), List.of(Message.user("planted question")), null),
                    "could not append to a conversation for org acme");
            assertThat(store.find(ACME, "ada", c.id()).orElseThrow().messageCount())
                    .as("the failed append is rolled back whole").isZero();
        }
    }

    private static void assertUnavailable(ThrowingCallable call, String start) {
        StoreException e = catchThrowableOfType(StoreException.class, call);
        assertThat(e).as(start).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_STORE_UNAVAILABLE);
        assertThat(e.retryable()).isTrue();
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(e.getMessage()).isEqualTo(start
                + ": the conversation store failed or did not answer in time; try again shortly");
        assertThat(e.getCause()).isNotNull();
    }

    private static int messageRows(AiTenancyJdbc jdbc, UUID conversation) {
        return jdbc.jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM ai_conversation_messages WHERE conversation_id = :id")
                .bind("id", conversation).mapTo(Integer.class).one());
    }
}
