package dev.aitenancy.examples.springapp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A provider on 127.0.0.1 that speaks OpenAI's Chat Completions wire format, so the example runs the
 * library's real HTTP path without a real key. Keys must start with {@code sk-}; the answer repeats
 * the prompt's first words. {@code POST /v1/chat/completions} (plain, or SSE ending with a usage
 * chunk) and {@code GET /v1/models} (the key check).
 */
public final class LocalStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "local-stand-in");
        t.setDaemon(true);
        return t;
    });
    private final HttpServer server;

    public LocalStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/v1/models", ex -> respond(ex, false));
        server.createContext("/v1/chat/completions", ex -> respond(ex, true));
        server.start();
    }

    /** The base URL for an OpenAI client. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    private void respond(HttpExchange ex, boolean chat) throws IOException {
        try (ex) {
            byte[] request = ex.getRequestBody().readAllBytes();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("Bearer sk-")) {
                json(ex, 401, "{\"error\":{\"message\":\"Incorrect API key provided\","
                        + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
                return;
            }
            if (!chat) {
                json(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4.1-mini\",\"object\":\"model\"}]}");
                return;
            }
            JsonNode body = JSON.readTree(request);
            JsonNode messages = body.path("messages");
            String prompt = messages.path(messages.size() - 1).path("content").asText();
            String[] words = ("Stand-in answer to: " + prompt).split("(?<= )");
            int in = Math.max(1, prompt.length() / 4);
            ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", in).put("completion_tokens", words.length)
                    .put("total_tokens", in + words.length);
            String model = body.path("model").asText();
            if (!body.path("stream").asBoolean()) {
                ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-local").put("object", "chat.completion")
                        .put("model", model);
                ObjectNode choice = out.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
                choice.putObject("message").put("role", "assistant").put("content", String.join("", words));
                out.set("usage", usage);
                json(ex, 200, JSON.writeValueAsString(out));
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream os = ex.getResponseBody();
            for (String w : words) {
                ObjectNode chunk = JSON.createObjectNode().put("object", "chat.completion.chunk").put("model", model);
                chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                        .putObject("delta").put("content", w);
                sse(os, JSON.writeValueAsString(chunk));
            }
            ObjectNode end = JSON.createObjectNode().put("object", "chat.completion.chunk").put("model", model);
            ArrayNode none = end.putArray("choices");
            none.addObject().put("index", 0).put("finish_reason", "stop").putObject("delta");
            sse(os, JSON.writeValueAsString(end));
            ObjectNode last = JSON.createObjectNode().put("object", "chat.completion.chunk").put("model", model);
            last.putArray("choices");
            last.set("usage", usage);
            sse(os, JSON.writeValueAsString(last));
            sse(os, "[DONE]");
        }
    }

    private static void sse(OutputStream os, String data) throws IOException {
        os.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        os.flush();
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
