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
 * starts with {@code sk-}, and writes a short deterministic answer that echoes the prompt.
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

    private void chat(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            if (!authorized(ex)) {
                return;
            }
            String prompt = body.path("messages").path(body.path("messages").size() - 1).path("content").asText();
            String model = body.path("model").asText();
            List<String> words = answer(prompt);
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
            ObjectNode last = JSON.createObjectNode().put("object", "chat.completion.chunk").put("model", model);
            last.putArray("choices");
            last.set("usage", usage);
            event(os, JSON.writeValueAsString(last));
            event(os, "[DONE]");
        }
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
