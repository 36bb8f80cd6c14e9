package dev.aitenancy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A scripted HTTP server on 127.0.0.1 for provider adapter tests. Each request takes the next
 * queued {@link Reply} (or the fallback); every request is recorded. Replies can answer plainly,
 * stream chunks, stall until the server closes (after their chunks, or before any answer), or drop
 * the connection part-way.
 *
 * <p>Run with {@code -Dsun.net.httpserver.nodelay=true} (the build sets it).
 */
public final class LoopbackServer implements AutoCloseable {

    /** A request as the server saw it. Header names are lower case. */
    public record Recorded(String method, String pathAndQuery, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What to answer one request with. */
    public static final class Reply {
        final int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        final List<String> chunks = new ArrayList<>();
        boolean stallAfterChunks;
        boolean dropAfterChunks;
        boolean silent;

        private Reply(int status) {
            this.status = status;
        }

        /** A JSON body. */
        public static Reply json(int status, String body) {
            Reply r = new Reply(status);
            r.headers.put("Content-Type", "application/json");
            r.chunks.add(body);
            return r;
        }

        /** A {@code text/event-stream} body sent as the given chunks, flushed one by one. */
        public static Reply sse(String... chunks) {
            Reply r = new Reply(200);
            r.headers.put("Content-Type", "text/event-stream");
            r.chunks.addAll(List.of(chunks));
            return r;
        }

        /** No answer at all, not even a status line, until the server closes: a provider that hangs. */
        public static Reply silence() {
            Reply r = new Reply(0);
            r.silent = true;
            return r;
        }

        /** A plain-text body. */
        public static Reply text(int status, String body) {
            Reply r = new Reply(status);
            r.headers.put("Content-Type", "text/plain");
            r.chunks.add(body);
            return r;
        }

        public Reply header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** After the chunks, send nothing more until the server closes. */
        public Reply thenStall() {
            stallAfterChunks = true;
            return this;
        }

        /** After the chunks, close the connection without ending the body properly. */
        public Reply thenDrop() {
            dropAfterChunks = true;
            return this;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-server");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Function<Recorded, Reply> fallback =
            req -> Reply.json(500, "{\"error\":{\"message\":\"no reply scripted\",\"type\":\"test\"}}");

    private LoopbackServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static LoopbackServer start() {
        try {
            return new LoopbackServer();
        } catch (IOException e) {
            throw new IllegalStateException("could not start the loopback server", e);
        }
    }

    /** {@code http://127.0.0.1:port} followed by {@code path}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public LoopbackServer enqueue(Reply... next) {
        replies.addAll(List.of(next));
        return this;
    }

    /** The reply for requests when the queue is empty (by default a 500). */
    public LoopbackServer otherwise(Function<Recorded, Reply> f) {
        this.fallback = f;
        return this;
    }

    public List<Recorded> requests() {
        return List.copyOf(recorded);
    }

    public Recorded lastRequest() {
        return recorded.get(recorded.size() - 1);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Map<String, String> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Recorded req = new Recorded(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body);
            recorded.add(req);
            Reply reply = replies.poll();
            if (reply == null) {
                reply = fallback.apply(req);
            }
            if (reply.silent) {
                awaitClose();
                return;
            }
            reply.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            OutputStream out = ex.getResponseBody();
            if (reply.dropAfterChunks) {
                // promise far more bytes than we send, then close: the client sees a cut body
                ex.sendResponseHeaders(reply.status, 1_000_000);
            } else if (reply.chunks.size() == 1 && !reply.stallAfterChunks) {
                byte[] bytes = reply.chunks.get(0).getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(reply.status, bytes.length == 0 ? -1 : bytes.length);
            } else {
                ex.sendResponseHeaders(reply.status, 0);
            }
            for (String chunk : reply.chunks) {
                out.write(chunk.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            if (reply.stallAfterChunks) {
                awaitClose();
            }
        } catch (IOException clientWentAway) {
            // the client canceled or timed out: nothing to answer
        }
    }

    private void awaitClose() {
        try {
            closed.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
