package dev.aitenancy.spring;

import static dev.aitenancy.spring.AdminMvc.as;
import static dev.aitenancy.spring.AdminMvc.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.context.WebApplicationContext;

/** Messages, conversations, tools and JSON answers through the generate and conversation endpoints. */
@EndpointTest(ChatEndpointsTest.Config.class)
class ChatEndpointsTest {

    @AutoClose
    static final LoopbackServer PROVIDER = FakeOpenAi.start();
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    static final RequestPostProcessor ADA = as("ada", "AI_ORG_ADMIN:acme");
    static final RequestPostProcessor MEL = as("mel", "AI_ORG_MEMBER:acme");
    static final RequestPostProcessor TOM = as("tom", "AI_ORG_MEMBER:acme");

    @Configuration(proxyBeanMethods = false)
    static class Config extends TestApp {
        Config() {
            super(CLOCK, PROVIDER, "acme");
        }
    }

    @Autowired
    KeyStore keys;
    @Autowired
    ModelAdmin models;

    AdminMvc mvc;

    @BeforeEach
    void setUp(WebApplicationContext context) {
        mvc = new AdminMvc(context);
        CLOCK.advance(java.time.Duration.ofMinutes(1));
        TestApp.setUpOrg(models, keys, "acme", "sk-good-acme-0000000000001234", CLOCK.instant());
    }

    MockHttpServletResponse generate(RequestPostProcessor who, String body) throws Exception {
        return mvc.send(who, post("/ai/orgs/acme/generate"), body);
    }

    JsonNode lastSent() throws Exception {
        return Json.MAPPER.readTree(PROVIDER.lastRequest().body());
    }

    @Test
    void aMemberKeepsAConversationOfTwoTurnsThatOnlyTheyCanRead() throws Exception {
        MockHttpServletResponse created = mvc.call(MEL, "POST", "/ai/orgs/acme/my/conversations", "{\"title\":\"trip\"}");
        assertThat(created.getStatus()).isEqualTo(201);
        String id = json(created).get("id").asText();

        MockHttpServletResponse first = generate(MEL, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi!\"}],"
                + "\"conversationId\":\"" + id + "\"}");
        MockHttpServletResponse second = generate(MEL, "{\"prompt\":\"And {{x}}?\",\"context\":{\"x\":\"then\"},"
                + "\"conversationId\":\"" + id + "\"}");

        assertThat(first.getStatus()).as(first.getContentAsString()).isEqualTo(200);
        assertThat(second.getStatus()).isEqualTo(200);
        assertThat(lastSent().get("messages")).extracting(n -> n.get("content").asText())
                .containsExactly("Hi!", FakeOpenAi.ANSWER, "And then?");
        JsonNode read = json(mvc.call(MEL, "GET", "/ai/orgs/acme/my/conversations/" + id, null));
        assertThat(read.get("title").asText()).isEqualTo("trip");
        assertThat(read.get("messageCount").asLong()).isEqualTo(4);
        assertThat(read.get("messages")).extracting(n -> n.get("role").asText())
                .containsExactly("user", "assistant", "user", "assistant");
        assertThat(read.at("/messages/3/usageRecordId").asText()).isEqualTo(json(second).get("usageRecordId").asText());
        assertThat(json(mvc.call(MEL, "GET", "/ai/orgs/acme/my/conversations", null)).at("/conversations/0/id").asText())
                .isEqualTo(id);
        JsonNode orgList = json(mvc.call(ADA, "GET", "/ai/orgs/acme/conversations", null));
        assertThat(orgList.at("/conversations/0/userId").asText()).isEqualTo("mel");
        assertThat(orgList.at("/conversations/0").has("messages")).as("headers only").isFalse();

        MockHttpServletResponse tomReads = mvc.call(TOM, "GET", "/ai/orgs/acme/my/conversations/" + id, null);
        MockHttpServletResponse tomContinues = generate(TOM, "{\"prompt\":\"what did mel say?\",\"conversationId\":\""
                + id + "\"}");
        MockHttpServletResponse memberListsOrg = mvc.call(MEL, "GET", "/ai/orgs/acme/conversations", null);
        assertThat(tomReads.getStatus()).isEqualTo(404);
        assertThat(json(tomReads).get("code").asText()).isEqualTo("AI_CONVERSATION_NOT_FOUND");
        assertThat(tomContinues.getStatus()).isEqualTo(404);
        assertThat(memberListsOrg.getStatus()).isEqualTo(403);

        assertThat(mvc.call(TOM, "DELETE", "/ai/orgs/acme/my/conversations/" + id, null).getStatus()).isEqualTo(404);
        assertThat(mvc.call(MEL, "DELETE", "/ai/orgs/acme/my/conversations/" + id, null).getStatus()).isEqualTo(204);
        assertThat(mvc.call(MEL, "GET", "/ai/orgs/acme/my/conversations/" + id, null).getStatus()).isEqualTo(404);
    }

    @Test
    void toolCallsComeBackToTheClientAndItsResultsGoOnToTheModel() throws Exception {
        String tools = "\"tools\":[{\"name\":\"search\",\"description\":\"Search the wiki\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}}]";

        JsonNode asked = json(generate(MEL, "{\"prompt\":\"Find x\"," + tools + "}"));
        JsonNode answered = json(generate(MEL, "{\"messages\":[{\"role\":\"user\",\"content\":\"Find x\"},"
                + "{\"role\":\"assistant\",\"toolCalls\":[{\"id\":\"call_1\",\"name\":\"search\",\"arguments\":{\"q\":\"x\"}}]},"
                + "{\"role\":\"tool\",\"toolCallId\":\"call_1\",\"toolName\":\"search\",\"content\":\"x is 42\"}]," + tools + "}"));

        assertThat(asked.get("finishReason").asText()).isEqualTo("TOOL_CALLS");
        assertThat(asked.get("toolCalls").toString()).isEqualTo("[{\"id\":\"call_1\",\"name\":\"search\",\"arguments\":{\"q\":\"x\"}}]");
        assertThat(answered.get("text").asText()).isEqualTo(FakeOpenAi.ANSWER);
        assertThat(lastSent().at("/messages/1/tool_calls/0/function/arguments").asText()).isEqualTo("{\"q\":\"x\"}");
        assertThat(lastSent().at("/messages/2/tool_call_id").asText()).isEqualTo("call_1");
    }

    @Test
    void aJsonSchemaAnswerIsCheckedAndReturnedAsText() throws Exception {
        JsonNode r = json(generate(MEL, "{\"prompt\":\"Answer in JSON\",\"responseFormat\":{\"type\":\"json_schema\","
                + "\"name\":\"reply\",\"schema\":{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"}},"
                + "\"required\":[\"answer\"],\"additionalProperties\":false}}}"));
        boolean strict = lastSent().at("/response_format/json_schema/strict").asBoolean();
        MockHttpServletResponse broken = generate(MEL, "{\"prompt\":\"Answer\",\"responseFormat\":{\"type\":\"json_schema\","
                + "\"schema\":{\"type\":\"object\",\"required\":[\"missing\"]}}}");

        assertThat(Json.MAPPER.readTree(r.get("text").asText()).get("answer").asText()).isEqualTo(FakeOpenAi.ANSWER);
        assertThat(strict).as("every property required, no others: OpenAI may enforce it").isTrue();
        assertThat(lastSent().at("/response_format/json_schema/strict").asBoolean()).as("a loose schema").isFalse();
        assertThat(broken.getStatus()).isEqualTo(502);
        assertThat(json(broken).get("code").asText()).isEqualTo("AI_OUTPUT_INVALID");
        assertThat(json(broken).get("message").asText()).contains("required 'missing'");
    }

    @Test
    void malformedMessagesToolsAndIdsAreRefusedWithWhatToDo() throws Exception {
        MockHttpServletResponse role = generate(MEL, "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}");
        MockHttpServletResponse id = generate(MEL, "{\"prompt\":\"hi\",\"conversationId\":\"not-a-uuid\"}");
        MockHttpServletResponse tool = generate(MEL, "{\"prompt\":\"hi\",\"tools\":[{\"name\":\"bad name!\"}]}");
        MockHttpServletResponse nothing = generate(MEL, "{\"feature\":\"x\"}");

        assertThat(role.getStatus()).isEqualTo(400);
        assertThat(json(role).get("message").asText()).contains("system, user, assistant, tool");
        assertThat(id.getStatus()).isEqualTo(400);
        assertThat(json(id).get("message").asText()).contains("conversationId").contains("UUID");
        assertThat(tool.getStatus()).isEqualTo(400);
        assertThat(json(tool).get("message").asText()).contains("1 to 64 letters");
        assertThat(nothing.getStatus()).isEqualTo(400);
        assertThat(json(nothing).get("message").asText()).contains("\"messages\"");
    }
}
