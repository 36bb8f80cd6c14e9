package dev.aitenancy.provider.internal;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.silence;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.ProviderException;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.RecordingListener;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No thread is started per provider call: 500 concurrent calls (and 500 concurrent streams) start
 * a number of platform threads bounded by the library's pools, not proportional to the calls. The
 * loopback server's own threads (a cached pool, one per concurrent connection) are not counted.
 * Counts threads, never time.
 */
class ProviderThreadsTest {

    static final int CALLS = 500;
    /**
     * Platform threads the library may start for a whole run: its provider pool (64 on Java 17,
     * none on 21+ where calls run on virtual threads and the carriers may start), the HttpClient's
     * bounded executor and selector, the timer, plus room for the JVM's own (JIT, GC, JUnit).
     */
    static final int BOUND = ProviderThreads.callThreads() + ProviderThreads.httpThreads() + 24;

    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    final LoopbackServer server = LoopbackServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    ProviderClient client() {
        return new OpenAiClient(ProviderSettings.builder(server.uri("")).requestTimeout(Duration.ofSeconds(30)).build());
    }

    static ProviderRequest request() {
        return request("hi", null);
    }

    static ProviderRequest request(String prompt, Duration timeout) {
        return new ProviderRequest("acme", "gpt-4.1-mini", null, prompt, 16, null, ApiKey.of("sk-test-0123456789abcdef"),
                "corr", timeout);
    }

    static final String CHUNK =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\n";

    /** More hung calls than the platform pool has threads (Java 17), or a good many (virtual threads). */
    static int hung() {
        return Math.max(128, 2 * ProviderThreads.callThreads());
    }

    static final String ANSWER = "{\"choices\":[{\"message\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}";

    static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("loopback-server")).count();
    }

    /** Threads started since {@code started}, less those the loopback server started. */
    static long report(String what, long started, long serverBefore) {
        long all = THREADS.getTotalStartedThreadCount() - started;
        long server = serverThreads() - serverBefore;
        return all - server;
    }

    @Test
    void concurrentCallsStartABoundedNumberOfThreads() throws Exception {
        server.otherwise(req -> json(200, ANSWER));
        ProviderClient client = client();
        client.call(request()).get(10, TimeUnit.SECONDS); // warm up: the client's own threads, the connection
        long serverBefore = serverThreads();
        long started = THREADS.getTotalStartedThreadCount();

        List<CompletableFuture<ProviderResponse>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(client.call(request()));
        }
        for (CompletableFuture<ProviderResponse> c : calls) {
            assertThat(c.get(60, TimeUnit.SECONDS).text()).isEqualTo("ok");
        }

        long library = report("calls", started, serverBefore);
        assertThat(library).isLessThan(BOUND);
    }

    @Test
    void concurrentStreamsStartABoundedNumberOfThreads() throws Exception {
        server.otherwise(req -> sse(CHUNK, "data: [DONE]\n\n"));
        ProviderClient client = client();
        RecordingListener warm = new RecordingListener();
        client.stream(request(), warm);
        warm.awaitResponse();
        long serverBefore = serverThreads();
        long started = THREADS.getTotalStartedThreadCount();

        List<RecordingListener> streams = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            RecordingListener l = new RecordingListener();
            client.stream(request(), l);
            streams.add(l);
        }
        for (RecordingListener l : streams) {
            assertThat(l.awaitResponse().text()).isEqualTo("ok");
        }

        long library = report("streams", started, serverBefore);
        assertThat(library).isLessThan(BOUND);
    }

    @Test
    void theHttpPoolRunsEveryTaskOnAtMostItsOwnNumberOfNamedDaemonThreadsEvenWhenTheyBlock() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ProviderThreads.httpThreads() > 0, "virtual threads on 21+");
        int tasks = ProviderThreads.httpThreads() * 4;
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(tasks);
        java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Set<Boolean> daemons = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < tasks; i++) {
            ProviderThreads.http().execute(() -> {
                names.add(Thread.currentThread().getName());
                daemons.add(Thread.currentThread().isDaemon());
                try {
                    release.await(); // blocks without telling the pool, as a listener might
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
        }
        Thread.sleep(200); // long enough for a pool that grew past its bound to have done so
        int busy = names.size();
        release.countDown();

        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(busy).isLessThanOrEqualTo(ProviderThreads.httpThreads());
        assertThat(names).hasSizeLessThanOrEqualTo(ProviderThreads.httpThreads())
                .allMatch(n -> n.startsWith("ai-tenancy-http-"));
        assertThat(daemons).containsExactly(true);
    }

    @Test
    void theHttpPoolsThreadsKeepTheContextClassLoaderOfTheThreadThatStartedThem() throws Exception {
        ClassLoader app = new java.net.URLClassLoader(new java.net.URL[0], getClass().getClassLoader());
        java.util.concurrent.ExecutorService pool = ProviderThreads.warmFirst("tccl-test-", 2);
        Thread submitter = Thread.currentThread();
        ClassLoader before = submitter.getContextClassLoader();
        try {
            submitter.setContextClassLoader(app); // as a web application's thread has its own loader
            CompletableFuture<ClassLoader> seen = CompletableFuture.supplyAsync(
                    () -> Thread.currentThread().getContextClassLoader(), pool);
            assertThat(seen.get(10, TimeUnit.SECONDS)).isSameAs(app);
        } finally {
            submitter.setContextClassLoader(before);
            pool.shutdownNow();
        }
    }

    @Test
    void callsThatTimeOutFreeTheirThreads() throws Exception {
        server.otherwise(req -> req.body().contains("HANG") ? silence() : json(200, ANSWER));
        ProviderClient client = client();
        List<CompletableFuture<ProviderResponse>> calls = new ArrayList<>();
        for (int i = 0; i < hung(); i++) {
            calls.add(client.call(request("HANG", Duration.ofMillis(300))));
        }
        for (CompletableFuture<ProviderResponse> c : calls) {
            assertThatThrownBy(() -> c.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ProviderException.class)
                    .cause().extracting(e -> ((ProviderException) e).code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        }

        // every hung request was aborted and its thread freed: a call now gets one at once
        assertThat(client.call(request()).get(10, TimeUnit.SECONDS).text()).isEqualTo("ok");
    }

    @Test
    void canceledCallsAndStreamsFreeTheirThreads() throws Exception {
        server.otherwise(req -> req.body().contains("HANG") ? silence() : json(200, ANSWER));
        ProviderClient client = client();
        List<CompletableFuture<ProviderResponse>> calls = new ArrayList<>();
        List<ProviderStream> streams = new ArrayList<>();
        for (int i = 0; i < hung(); i++) {
            calls.add(client.call(request("HANG", null)));
            streams.add(client.stream(request("HANG", null), new RecordingListener()));
        }
        while (server.requests().size() < Math.min(hung(), ProviderThreads.virtual() ? hung() : ProviderThreads.callThreads())) {
            Thread.sleep(10); // some of them are in flight, holding threads
        }
        calls.forEach(c -> c.cancel(true));
        streams.forEach(ProviderStream::cancel);

        assertThat(client.call(request()).get(10, TimeUnit.SECONDS).text()).isEqualTo("ok");
    }

    @Test
    void aGivenExecutorRunsTheAttemptsAndOneThatRefusesThemOverloads() throws Exception {
        server.otherwise(req -> req.body().contains("\"stream\":true") ? sse(CHUNK, "data: [DONE]\n\n") : json(200, ANSWER));
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService own = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            ProviderClient client = new OpenAiClient(ProviderSettings.builder(server.uri("")).executor(r -> {
                ran.incrementAndGet();
                own.execute(r);
            }).build());
            assertThat(client.call(request()).get(10, TimeUnit.SECONDS).text()).isEqualTo("ok");
            RecordingListener l = new RecordingListener();
            client.stream(request(), l);
            assertThat(l.awaitResponse().text()).isEqualTo("ok");
            assertThat(ran).hasValue(2);
        } finally {
            own.shutdownNow();
        }

        ProviderClient refusing = new OpenAiClient(ProviderSettings.builder(server.uri(""))
                .retryPolicy(dev.aitenancy.provider.RetryPolicy.NONE).executor(r -> {
                    throw new java.util.concurrent.RejectedExecutionException("full");
                }).build());
        assertThatThrownBy(() -> refusing.call(request()).get(10, TimeUnit.SECONDS)).cause()
                .extracting(e -> ((ProviderException) e).code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        RecordingListener refused = new RecordingListener();
        refusing.stream(request(), refused);
        assertThat(refused.awaitError().code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(server.requests()).hasSize(2);
    }
}
