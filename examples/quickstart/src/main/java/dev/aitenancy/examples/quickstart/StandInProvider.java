package dev.aitenancy.examples.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local stand-in for OpenAI's Chat Completions API on 127.0.0.1, so the examples run the
 * library's real HTTP code path without a real key. It answers {@code POST /v1/chat/completions}
 * (plain and SSE with a final usage chunk) and {@code GET /v1/models}, accepts any bearer key that
 * starts with {@code sk-}, and writes a short deterministic answer that echoes the prompt
 * ({@code POST /v1/embeddings} gives small deterministic vectors). Asked
 * for JSON, it answers a value of the schema's shape; offered tools, it first calls the first one.
 */
public final class StandInProvider implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "stand-in-provider");
        t.setDaemon(true);
        return t;
    });

    private StandInProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/v1/chat/completions", this::chat);
        server.createContext("/v1/models", this::models);
        server.createContext("/v1/embeddings", this::embeddings);
        server.start();
    }

    public static StandInProvider start() throws IOException {
        return new StandInProvider();
    }

    /** The base URL to give an OpenAI client: the origin, e.g. {@code http://127.0.0.1:50123}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void models(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getRequestBody().readAllBytes();
            if (!authorized(ex)) {
                return;
            }
            send(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4.1-mini\",\"object\":\"model\"}]}");
        }
    }

    /** Eight numbers per input, the same for the same text; one token per 4 characters. */
    private void embeddings(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            if (!authorized(ex)) {
                return;
            }
            ObjectNode out = JSON.createObjectNode().put("object", "list").put("model", body.path("model").asText());
            var data = out.putArray("data");
            int tokens = 0;
            int index = 0;
            for (JsonNode input : body.path("input")) {
                var vector = data.addObject().put("object", "embedding").put("index", index++).putArray("embedding");
                int h = input.asText().hashCode();
                for (int i = 0; i < 8; i++) {
                    vector.add(((h >>> (i * 4)) & 0xF) / 15.0);
                }
                tokens += Math.max(1, input.asText().length() / 4);
            }
            out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            send(ex, 200, JSON.writeValueAsString(out));
        }
    }

    private void chat(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            if (!authorized(ex)) {
                return;
            }
            JsonNode last = body.path("messages").path(body.path("messages").size() - 1);
            String prompt = last.path("content").isArray() ? last.path("content").path(0).path("text").asText()
                    : last.path("content").asText();
            String model = body.path("model").asText();
            JsonNode tools = body.path("tools");
            if (tools.size() > 0 && !"tool".equals(last.path("role").asText())) { // asks for the first tool
                JsonNode function = tools.get(0).path("function");
                ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-standin").put("object", "chat.completion")
                        .put("model", model);
                ObjectNode message = out.putArray("choices").addObject().put("index", 0)
                        .put("finish_reason", "tool_calls").putObject("message").put("role", "assistant");
                message.putNull("content");
                message.putArray("tool_calls").addObject().put("id", "call_standin").put("type", "function")
                        .putObject("function").put("name", function.path("name").asText())
                        .put("arguments", JSON.writeValueAsString(sample(function.path("parameters"))));
                out.putObject("usage").put("prompt_tokens", 20).put("completion_tokens", 10).put("total_tokens", 30);
                send(ex, 200, JSON.writeValueAsString(out));
                return;
            }
            JsonNode schema = body.path("response_format").path("json_schema").path("schema");
            List<String> words = body.has("response_format")
                    ? List.of(JSON.writeValueAsString(sample(schema.isMissingNode() ? JSON.createObjectNode() : schema)))
                    : answer(prompt);
            int inputTokens = Math.max(1, prompt.length() / 4);
            ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", inputTokens)
                    .put("completion_tokens", words.size()).put("total_tokens", inputTokens + words.size());
            if (!body.path("stream").asBoolean()) {
                ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-standin").put("object", "chat.completion")
                        .put("model", model);
                ObjectNode choice = out.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
                choice.putObject("message").put("role", "assistant").put("content", String.join("", words));
                out.set("usage", usage);
                send(ex, 200, JSON.writeValueAsString(out));
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream os = ex.getResponseBody();
            for (String w : words) {
                ObjectNode chunk = JSON.createObjectNode().put("object", "chat.completion.chunk").put("model", model);
                chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                        .putObject("delta").put("content", w);
                event(os, JSON.writeValueAsString(chunk));
            }
            ObjectNode end = JSON.createObjectNode().put("object", "chat.completion.chunk").put("model", model);
            end.putArray("choices");
            end.set("usage", usage);
            event(os, JSON.writeValueAsString(end));
            event(os, "[DONE]");
        }
    }

    /** A value that fits {@code schema}: what a model asked for JSON of this shape would give. */
    private static JsonNode sample(JsonNode schema) {
        return switch (schema.path("type").asText("object")) {
            case "string" -> JSON.getNodeFactory().textNode(schema.has("enum") ? schema.path("enum").path(0).asText()
                    : "(stand-in)");
            case "integer" -> JSON.getNodeFactory().numberNode(3);
            case "number" -> JSON.getNodeFactory().numberNode(1.5);
            case "boolean" -> JSON.getNodeFactory().booleanNode(true);
            case "array" -> JSON.createArrayNode().add(sample(schema.path("items")));
            default -> {
                ObjectNode o = JSON.createObjectNode();
                schema.path("properties").properties().forEach(p -> o.set(p.getKey(), sample(p.getValue())));
                yield o;
            }
        };
    }

    private static List<String> answer(String prompt) {
        String text = "(stand-in) You asked: \"" + (prompt.length() > 60 ? prompt.substring(0, 60) + "…" : prompt)
                + "\". Set OPENAI_API_KEY for a real answer.";
        List<String> words = new ArrayList<>();
        for (String w : text.split("(?<= )")) {
            words.add(w);
        }
        return words;
    }

    private static boolean authorized(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer sk-")) {
            send(ex, 401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
                    + "\"code\":\"invalid_api_key\"}}");
            return false;
        }
        return true;
    }

    private static void event(OutputStream os, String data) throws IOException {
        os.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        os.flush();
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
