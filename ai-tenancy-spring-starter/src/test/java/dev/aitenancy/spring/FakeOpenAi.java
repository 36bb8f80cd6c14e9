package dev.aitenancy.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Recorded;
import dev.aitenancy.testing.LoopbackServer.Reply;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers like OpenAI's Chat Completions API on a {@link LoopbackServer}: keys starting with
 * {@code sk-good} are accepted, others get OpenAI's 401; the answer is {@code "Hello from fake"}
 * in three tokens (streamed as three chunks and a usage chunk when asked).
 */
final class FakeOpenAi {

    static final String ANSWER = "Hello from fake";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeOpenAi() {
    }

    static LoopbackServer start() {
        return LoopbackServer.start().otherwise(FakeOpenAi::answer);
    }

    static Reply answer(Recorded req) {
        String auth = req.header("authorization");
        if (auth == null || !auth.startsWith("Bearer sk-good")) {
            return Reply.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\","
                    + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
        }
        if (req.pathAndQuery().startsWith("/v1/models")) {
            return Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4.1-mini\",\"object\":\"model\"}]}");
        }
        JsonNode body;
        try {
            body = JSON.readTree(req.body());
        } catch (Exception e) {
            return Reply.json(400, "{\"error\":{\"message\":\"bad json\",\"type\":\"invalid_request_error\"}}");
        }
        String model = body.path("model").asText();
        JsonNode messages = body.path("messages");
        boolean toolResultLast = messages.size() > 0
                && "tool".equals(messages.get(messages.size() - 1).path("role").asText());
        if (body.path("tools").size() > 0 && !toolResultLast) { // asks for the first tool, arguments {"q":"x"}
            return Reply.json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"tool_calls\",\"message\":{\"role\":\"assistant\","
                    + "\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\""
                    + body.path("tools").get(0).path("function").path("name").asText() + "\",\"arguments\":"
                    + "\"{\\\"q\\\":\\\"x\\\"}\"}}]}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}");
        }
        if (body.has("response_format")) { // a JSON answer
            return Reply.json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"{\\\"answer\\\":\\\"" + ANSWER + "\\\"}\"}}],\"usage\":{\"prompt_tokens\":12,"
                    + "\"completion_tokens\":3}}");
        }
        if (!body.path("stream").asBoolean()) {
            return Reply.json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"" + ANSWER + "\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,"
                    + "\"total_tokens\":15}}");
        }
        List<String> chunks = new ArrayList<>();
        for (String piece : new String[] {"Hello", " from", " fake"}) {
            chunks.add("data: {\"object\":\"chat.completion.chunk\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                    + "\"finish_reason\":null,\"delta\":{\"content\":\"" + piece + "\"}}]}\n\n");
        }
        chunks.add("data: {\"object\":\"chat.completion.chunk\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                + "\"finish_reason\":\"stop\",\"delta\":{}}]}\n\n");
        chunks.add("data: {\"object\":\"chat.completion.chunk\",\"model\":\"" + model + "\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\n\n");
        chunks.add("data: [DONE]\n\n");
        return Reply.sse(chunks.toArray(String[]::new));
    }
}
