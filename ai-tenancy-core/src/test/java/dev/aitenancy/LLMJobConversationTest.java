package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Role;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.conversations.StoredMessage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryConversationStore;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Calls in a conversation: history sent first, the exchange appended only when the call succeeds. */
class LLMJobConversationTest {

    static final String ACME_KEY = "sk-proj-ACMEplanted000111222333444555";
    static final OrgId ACME = OrgId.of("acme");
    static final OrgId GLOBEX = OrgId.of("globex");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");

    final LoopbackServer server = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final InMemoryConversationStore conversations = new InMemoryConversationStore();
    final OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
            .retryPolicy(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(1)))
            .requestTimeout(Duration.ofSeconds(5)).build());
    LLMJob job = builder().build();

    LLMJobConversationTest() {
        for (OrgId org : List.of(ACME, GLOBEX)) {
            catalog.allow(org, MINI).setDefault(org, MINI).setDefaultProvider(org, ProviderId.OPENAI);
            keys.put(org, ProviderId.OPENAI, ApiKey.of(org.equals(ACME) ? ACME_KEY : "sk-proj-GLOBEXplanted9998887776665"));
            keys.markVerified(org, ProviderId.OPENAI, Instant.now());
        }
    }

    LLMJob.Builder builder() {
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).provider(openai)
                .conversations(conversations);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String answer(String text) {
        return "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":" + Json.MAPPER.valueToTree(text) + "},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}";
    }

    JsonNode sentMessages() throws Exception {
        return Json.MAPPER.readTree(server.lastRequest().body()).get("messages");
    }

    JobRequest ask(UUID conversation, String user, String text) {
        return JobRequest.messages(ACME, Message.user(text)).caller(Caller.user(user)).conversation(conversation)
                .build();
    }

    @Test
    void aSecondTurnSendsTheFirstAndEachExchangeIsAppendedWithItsRecord() throws Exception {
        Conversation c = conversations.create(ACME, "ada", "trip");
        server.enqueue(json(200, answer("Paris.")));
        server.enqueue(json(200, answer("About 2 million.")));

        JobResult first = job.run(ask(c.id(), "ada", "Capital of France?"));
        assertThat(sentMessages()).hasSize(1);
        JobResult second = job.run(JobRequest.builder(ACME, "And its {{what}}?")
                .context(java.util.Map.of("what", "population")).caller(Caller.user("ada")).conversation(c.id()).build());

        JsonNode sent = sentMessages();
        assertThat(sent).extracting(n -> n.get("content").asText())
                .containsExactly("Capital of France?", "Paris.", "And its population?");
        List<StoredMessage> stored = conversations.lastMessages(ACME, "ada", c.id(), 10);
        assertThat(stored).extracting(m -> m.message().role())
                .containsExactly(Role.USER, Role.ASSISTANT, Role.USER, Role.ASSISTANT);
        assertThat(stored).extracting(m -> m.message().text())
                .containsExactly("Capital of France?", "Paris.", "And its population?", "About 2 million.");
        assertThat(stored).extracting(StoredMessage::usageRecordId).containsExactly(first.usageRecordId(),
                first.usageRecordId(), second.usageRecordId(), second.usageRecordId());
        UsageRecord rec = usage.recent(ACME, 1).get(0);
        assertThat(rec.inputText()).as("the record keeps the call's own input, not the history")
                .isEqualTo("And its population?");
    }

    @Test
    void aFailedOrCanceledCallAppendsNothing() throws Exception {
        Conversation c = conversations.create(ACME, "ada", null);
        server.enqueue(json(400, "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"code\":null}}"));

        ProviderException failed = catchThrowableOfType(ProviderException.class,
                () -> job.run(ask(c.id(), "ada", "first")));
        server.enqueue(LoopbackServer.Reply.silence());
        var pending = job.runAsync(ask(c.id(), "ada", "second"));
        pending.cancel(true);

        assertThat(failed.code()).isEqualTo(ErrorCode.AI_PROVIDER_BAD_REQUEST);
        assertThat(conversations.lastMessages(ACME, "ada", c.id(), 10)).isEmpty();
        assertThat(conversations.find(ACME, "ada", c.id()).orElseThrow().messageCount()).isZero();
    }

    @Test
    void anotherUserOrOrgCannotUseTheConversationAndTheProviderIsNeverCalled() {
        Conversation c = conversations.create(ACME, "ada", null);

        ConversationNotFoundException otherUser = catchThrowableOfType(ConversationNotFoundException.class,
                () -> job.run(ask(c.id(), "bob", "what did ada say?")));
        ConversationNotFoundException otherOrg = catchThrowableOfType(ConversationNotFoundException.class,
                () -> job.run(JobRequest.messages(GLOBEX, Message.user("hi")).caller(Caller.user("ada"))
                        .conversation(c.id()).build()));
        ConversationNotFoundException missing = catchThrowableOfType(ConversationNotFoundException.class,
                () -> job.run(ask(UUID.randomUUID(), "ada", "hi")));

        assertThat(otherUser.code()).isEqualTo(ErrorCode.AI_CONVERSATION_NOT_FOUND);
        assertThat(otherOrg.code()).isEqualTo(ErrorCode.AI_CONVERSATION_NOT_FOUND);
        assertThat(otherUser.getMessage().replace(c.id().toString(), "<id>"))
                .isEqualTo(missing.getMessage().replaceAll("[0-9a-f-]{36}", "<id>"));
        assertThat(server.requests()).isEmpty();
        assertThat(usage.recent(ACME, 10)).extracting(UsageRecord::errorCode).contains("AI_CONVERSATION_NOT_FOUND");
        assertThat(conversations.find(ACME, "ada", c.id()).orElseThrow().messageCount()).isZero();
    }

    @Test
    void theHistoryIsTheLastMessagesStartingAtAUserMessage() throws Exception {
        job = builder().conversationHistory(3).build();
        Conversation c = conversations.create(ACME, "ada", null);
        server.otherwise(req -> json(200, answer("ok")));
        for (int i = 1; i <= 3; i++) {
            job.run(ask(c.id(), "ada", "turn " + i));
        }

        job.run(ask(c.id(), "ada", "turn 4"));

        assertThat(sentMessages()).extracting(n -> n.get("content").asText())
                .as("the last 3 are ok, turn 3, ok: the window drops the answer whose question fell out")
                .containsExactly("turn 3", "ok", "turn 4");
    }

    @Test
    void anOrgThatStoresNoTextKeepsNoConversationsAndStoredTextHasNoKey() throws Exception {
        Conversation c = conversations.create(ACME, "ada", null);
        LLMJob noText = builder().usageTextPolicy(org -> false).build();

        ConfigurationException refused = catchThrowableOfType(ConfigurationException.class,
                () -> noText.run(ask(c.id(), "ada", "hi")));
        server.enqueue(json(200, answer("noted")));
        job.run(ask(c.id(), "ada", "my key is " + ACME_KEY));

        assertThat(refused.code()).isEqualTo(ErrorCode.AI_CONFIG_INVALID);
        assertThat(refused).hasMessageContaining("does not store text");
        assertThat(conversations.lastMessages(ACME, "ada", c.id(), 10).get(0).message().text())
                .doesNotContain(ACME_KEY).startsWith("my key is ");
    }

    @Test
    void aToolLoopInAConversationKeepsEveryRound() throws Exception {
        Conversation c = conversations.create(ACME, "ada", null);
        server.enqueue(json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":"
                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"clock\",\"arguments\":\"{}\"}}]},\"finish_reason\":"
                + "\"tool_calls\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}"));
        server.enqueue(json(200, answer("It is noon.")));

        JobResult r = ToolLoop.on(job).tool(Tool.withoutArguments("clock", "The time"), call -> "12:00")
                .run(ask(c.id(), "ada", "What time is it?"));

        assertThat(r.text()).isEqualTo("It is noon.");
        assertThat(sentMessages()).extracting(n -> n.get("role").asText()).containsExactly("user", "assistant", "tool");
        assertThat(conversations.lastMessages(ACME, "ada", c.id(), 10)).extracting(m -> m.message().role())
                .containsExactly(Role.USER, Role.ASSISTANT, Role.TOOL, Role.ASSISTANT);
    }
}
