package dev.aitenancy.examples.benchmarks.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The provider the load harness calls: a loopback server speaking OpenAI's Chat Completions wire
 * format, run in a JVM of its own (started by {@link StandInProcess} with
 * {@code -Dsun.net.httpserver.nodelay=true}), so its work does not count against the harness JVM.
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: a fixed small completion with {@code usage}; with
 *       {@code "stream":true} in the body, {@code text/event-stream} with three delta chunks, a
 *       finishing chunk, a usage chunk and {@code data: [DONE]}.</li>
 *   <li>{@code GET /v1/models}: the key check; a short model list.</li>
 *   <li>{@code GET /stats}: requests, client connections and h2c upgrade offers seen from the bare
 *       client (keys starting {@code sk-bare}) and from the library, for the report.</li>
 * </ul>
 *
 * Any bearer key starting with {@code sk-} is accepted; others get OpenAI's 401 body. The answer
 * does not depend on the request, so both sides of a comparison get exactly the same bytes back.
 *
 * <p>Arguments: {@code [threads]} (default 24). The first line on stdout is the chosen port. The
 * server exits when its stdin closes, so it never outlives the harness that started it.
 */
public final class StandInServer {

    static final String MODEL = "gpt-4.1-mini";

    private static final byte[] COMPLETION = ("{\"id\":\"chatcmpl-load\",\"object\":\"chat.completion\","
            + "\"created\":1760000000,\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"- one\\n- two\\n- three\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":12,\"total_tokens\":52}}")
            .getBytes(StandardCharsets.UTF_8);

    private static final byte[] MODELS = ("{\"object\":\"list\",\"data\":[{\"id\":\"" + MODEL
            + "\",\"object\":\"model\",\"owned_by\":\"stand-in\"}]}").getBytes(StandardCharsets.UTF_8);

    private static final byte[] UNAUTHORIZED = ("{\"error\":{\"message\":\"Incorrect API key provided\","
            + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}")
            .getBytes(StandardCharsets.UTF_8);

    private static final String[] STREAM_EVENTS = streamEvents();

    private final AtomicBoolean loggedBare = new AtomicBoolean();
    private final AtomicBoolean loggedOther = new AtomicBoolean();
    private final AtomicInteger failures = new AtomicInteger();
    private final Side bare = new Side();
    private final Side library = new Side();

    /** What one side of the comparison sent: requests, connections (client ports seen), h2c upgrade offers. */
    private static final class Side {
        final LongAdder requests = new LongAdder();
        final LongAdder upgradeOffers = new LongAdder();
        final Set<Integer> ports = ConcurrentHashMap.newKeySet();

        void count(HttpExchange ex) {
            requests.increment();
            ports.add(ex.getRemoteAddress().getPort());
            if (ex.getRequestHeaders().containsKey("Upgrade")) {
                upgradeOffers.increment();
            }
        }

        String describe(String name) {
            return name + ".requests=" + requests.sum() + " " + name + ".clientPorts=" + ports.size() + " " + name
                    + ".h2cUpgradeOffers=" + upgradeOffers.sum();
        }
    }

    private StandInServer() {
    }

    /** Milliseconds between two events of a stream ({@code -Dstandin.streamGapMillis}, default 0). */
    private static final long STREAM_GAP_MILLIS = Long.getLong("standin.streamGapMillis", 0L);

    public static void main(String[] args) throws IOException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        // threads 0: a virtual thread per exchange (Java 21+), for many slow streams at once
        ExecutorService pool = threads == 0 ? virtualThreadPerTask() : Executors.newFixedThreadPool(threads);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                threads == 0 ? 16_384 : 1024);
        StandInServer handlers = new StandInServer();
        server.createContext("/v1/chat/completions", handlers::chat);
        server.createContext("/v1/models", handlers::models);
        server.createContext("/stats", handlers::stats);
        server.setExecutor(pool);
        server.start();
        System.out.println(server.getAddress().getPort());
        System.out.flush();
        System.err.println("stand-in: listening on 127.0.0.1:" + server.getAddress().getPort() + " with " + threads
                + " handler threads, sun.net.httpserver.nodelay=" + System.getProperty("sun.net.httpserver.nodelay"));
        // The parent holds our stdin open; end of input means it is gone (or done with us).
        InputStream in = System.in;
        while (in.read() >= 0) {
            // nothing is expected on stdin
        }
        server.stop(0);
        pool.shutdownNow();
        if (handlers.failures.get() > 0) {
            System.err.println("stand-in: " + handlers.failures.get() + " exchanges failed");
        }
        System.exit(0);
    }

    private void chat(HttpExchange ex) {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!"POST".equals(ex.getRequestMethod())) {
                reply(ex, 405, "application/json", new byte[0]);
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            logFirst(ex, auth, body);
            (auth != null && auth.startsWith("Bearer sk-bare") ? bare : library).count(ex);
            if (auth == null || !auth.startsWith("Bearer sk-")) {
                reply(ex, 401, "application/json", UNAUTHORIZED);
                return;
            }
            if (!streamed(body)) {
                reply(ex, 200, "application/json", COMPLETION);
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            for (String event : STREAM_EVENTS) {
                out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (STREAM_GAP_MILLIS > 0) {
                    Thread.sleep(STREAM_GAP_MILLIS);
                }
            }
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.incrementAndGet();
        }
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}, through reflection (this code compiles for Java 17). */
    private static ExecutorService virtualThreadPerTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("a virtual thread per exchange needs Java 21 or later", e);
        }
    }

    private void models(HttpExchange ex) {
        try (ex) {
            ex.getRequestBody().readAllBytes();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("Bearer sk-")) {
                reply(ex, 401, "application/json", UNAUTHORIZED);
                return;
            }
            reply(ex, 200, "application/json", MODELS);
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
        }
    }

    /**
     * {@code GET /stats}: what each side sent so far, one line of {@code name=value} pairs. The
     * client ports are the distinct ones seen (a port reused later counts once: a lower bound of the
     * connections opened).
     */
    private void stats(HttpExchange ex) {
        try (ex) {
            ex.getRequestBody().readAllBytes();
            reply(ex, 200, "text/plain", (bare.describe("bare") + " " + library.describe("library") + " failures="
                    + failures.get()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
        }
    }

    /** Whether the request asks for a stream: the JSON the clients send is compact, so a text match does. */
    private static boolean streamed(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return text.contains("\"stream\":true") || text.contains("\"stream\": true");
    }

    /** Shows, once each, what the bare client and the library send (the key itself is not shown). */
    private void logFirst(HttpExchange ex, String auth, byte[] body) {
        boolean bare = auth != null && auth.startsWith("Bearer sk-bare");
        AtomicBoolean flag = bare ? loggedBare : loggedOther;
        if (flag.compareAndSet(false, true)) {
            StringBuilder headers = new StringBuilder();
            ex.getRequestHeaders().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("Authorization")) {
                    headers.append(' ').append(name).append('=').append(values);
                }
            });
            System.err.println("stand-in: first " + (bare ? "bare" : "library") + " request: " + ex.getProtocol()
                    + headers + " body=" + new String(body, StandardCharsets.UTF_8));
        }
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    private static String[] streamEvents() {
        String head = "{\"id\":\"chatcmpl-load\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,"
                + "\"model\":\"" + MODEL + "\",\"choices\":";
        return new String[] {
            head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"- one\"},\"finish_reason\":null}]}",
            head + "[{\"index\":0,\"delta\":{\"content\":\"\\n- two\"},\"finish_reason\":null}]}",
            head + "[{\"index\":0,\"delta\":{\"content\":\"\\n- three\"},\"finish_reason\":null}]}",
            head + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
            head + "[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":12,\"total_tokens\":52}}",
            "[DONE]",
        };
    }
}
