package dev.aitenancy.contract;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.silence;
import static dev.aitenancy.testing.LoopbackServer.Reply.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.ProviderException;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.testing.Futures;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.LoopbackServer.Reply;
import dev.aitenancy.testing.RecordingListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every provider client must do, whatever its wire format: each provider's test extends this
 * class, supplies its client and the provider's real answers (a plain answer, a stream, its error
 * bodies), and keeps only the provider's own quirks. Everything runs against a loopback server.
 *
 * <p>The deadline tests bound a hang, they do not measure speed: a stalled call must return within
 * its timeout plus {@link #SLACK}, after a known number of requests.
 */
public abstract class ProviderContract {

    protected static final String ORG = "acme";
    /** The timeout the deadline tests give a call. */
    protected static final Duration DEADLINE = Duration.ofMillis(800);
    /**
     * What a call may take beyond its deadline on a busy shared machine. The library itself needs a
     * few milliseconds (one timer, cancelling the exchange); the rest is room for a starved CPU. The
     * old per-attempt timeout took three times the deadline, far outside it.
     */
    protected static final Duration SLACK = Duration.ofSeconds(1);
    /** Three attempts with millisecond backoff, honouring retry-after up to 2 s. */
    protected static final RetryPolicy FAST =
            new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(2));

    protected final LoopbackServer server = LoopbackServer.start();

    @AfterEach
    void stopServer() {
        server.close();
    }

    // ---- what a provider test supplies --------------------------------------------------------------

    /** The client under test, built from {@code settings} (base URL, retry policy, timeouts). */
    protected abstract ProviderClient newClient(ProviderSettings settings);

    /** A key in the provider's own shape, containing {@code PLANTED}. */
    protected abstract ApiKey key();

    /** A model id of the provider. */
    protected abstract String model();

    /** A successful plain answer. */
    protected abstract Reply answer(String text, long inputTokens, long outputTokens);

    /** What a stream sends before its first token (may be empty). */
    protected abstract String streamStart();

    /** One stream event carrying {@code text}. */
    protected abstract String streamToken(String text);

    /** The events that end a stream normally, with its usage. */
    protected abstract String streamEnd(long inputTokens, long outputTokens);

    /** An event reporting a server error inside a stream that began with HTTP 200. */
    protected abstract String streamServerError();

    /** The answer to a refused key, its message echoing {@code echoed}. */
    protected abstract Reply keyRefused(String echoed);

    /** A rate limit asking to wait {@code retryAfter}, the way the provider asks. */
    protected abstract Reply rateLimited(Duration retryAfter);

    /** An internal server error (500). */
    protected abstract Reply serverError();

    /** The provider's overload answer. */
    protected abstract Reply overloaded();

    /** The provider's answer to a model id it does not know. */
    protected abstract Reply unknownModel(String model);

    /** The provider's answer to a prompt that does not fit the model. */
    protected abstract Reply contextTooLong();

    /** A successful answer to the key check. */
    protected abstract Reply keyCheckOk();

    /** How base URLs used to end for this provider (the version segment the client now adds itself). */
    protected String legacyBaseSuffix() {
        return "/v1";
    }

    // ---- helpers ------------------------------------------------------------------------------------

    protected ProviderSettings.Builder settings() {
        return ProviderSettings.builder(server.uri("")).retryPolicy(FAST).requestTimeout(Duration.ofSeconds(5));
    }

    protected ProviderClient client() {
        return newClient(settings().build());
    }

    protected ProviderRequest request() {
        return request(null);
    }

    protected ProviderRequest request(Duration timeout) {
        return new ProviderRequest(ORG, model(), "You are terse.", "Name three primary colours.", 256, null, key(),
                "corr-1", timeout);
    }

    /** A named SSE event (Anthropic's and Cohere's streams). */
    protected static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    protected Reply stream(String... tokens) {
        List<String> chunks = new ArrayList<>();
        chunks.add(streamStart());
        for (String t : tokens) {
            chunks.add(streamToken(t));
        }
        chunks.add(streamEnd(24, 6));
        return sse(chunks.toArray(String[]::new));
    }

    /** Runs {@code call} with its expected failure logs kept off the console; returns those logs. */
    protected static String quietly(LogCapture.ThrowingRunnable call) throws Exception {
        return LogCapture.quietly(call);
    }

    /** The answer of a call expected to succeed after failures it retries, with their logs kept off the console. */
    protected static <T> T quietlyAwait(CompletableFuture<T> call) throws Exception {
        AtomicReference<T> r = new AtomicReference<>();
        quietly(() -> r.set(call.get(10, TimeUnit.SECONDS)));
        return r.get();
    }

    protected ProviderException failureOf(CompletableFuture<?> call, List<String> logs) throws Exception {
        AtomicReference<ProviderException> e = new AtomicReference<>();
        logs.add(quietly(() -> e.set(Futures.failure(call, ProviderException.class))));
        return e.get();
    }

    protected ProviderException failureOf(CompletableFuture<?> call) throws Exception {
        return failureOf(call, new ArrayList<>());
    }

    protected ProviderException streamFailure(ProviderClient client, ProviderRequest request, RecordingListener l)
            throws Exception {
        AtomicReference<ProviderException> e = new AtomicReference<>();
        quietly(() -> {
            client.stream(request, l);
            e.set(l.awaitError());
        });
        return e.get();
    }

    /** No key, no parser or HTTP-client internals, in the message, {@code toString()}, stack trace or logs. */
    protected void assertClean(ProviderException e, String logs) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString() + e + logs).doesNotContain(key().reveal()).doesNotContain("PLANTED");
        assertThat(e.getMessage()).doesNotContain("Source:").doesNotContain("REDACTED").doesNotContain("StreamReadFeature")
                .doesNotContain("jackson").doesNotContain("Exception").doesNotContain("java.");
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    // ---- answers --------------------------------------------------------------------------------------

    @Test
    void aPlainAnswerIsReadWithItsUsage() throws Throwable {
        server.enqueue(answer("Red, yellow, blue.", 24, 6));

        ProviderResponse r = Futures.await(client().call(request()));

        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(r.usage().inputTokens()).isEqualTo(24L);
        assertThat(r.usage().outputTokens()).isEqualTo(6L);
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(server.requests()).hasSize(1);
        assertThat(server.lastRequest().method()).isEqualTo("POST");
        assertThat(server.lastRequest().header("x-correlation-id")).isEqualTo("corr-1");
    }

    @Test
    void aStreamDeliversItsTokensInOrderThenItsUsage() throws Exception {
        server.enqueue(stream("Red, yellow", ", blue."));
        RecordingListener l = new RecordingListener();

        client().stream(request(), l);
        ProviderResponse r = l.awaitResponse();

        assertThat(l.tokens).containsExactly("Red, yellow", ", blue.");
        assertThat(r.text()).isEqualTo("Red, yellow, blue.");
        assertThat(l.lastUsage.inputTokens()).isEqualTo(24L);
        assertThat(l.lastUsage.outputTokens()).isEqualTo(6L);
        assertThat(r.usage()).isEqualTo(l.lastUsage);
        assertThat(l.terminalEvents).hasValue(1);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void theKeyCheckPassesWithAGoodKeyAndFailsWithARefusedOne() throws Throwable {
        server.enqueue(keyCheckOk(), keyRefused("nope"));
        ProviderClient client = client();

        Futures.await(client.verify(key()));
        ProviderException bad = failureOf(client.verify(key()));

        assertThat(server.requests().get(0).method()).isEqualTo("GET");
        assertThat(bad.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(server.requests()).hasSize(2);
    }

    // ---- failures that are not retried --------------------------------------------------------------

    @Test
    void aRefusedKeyIsNotRetriedAndNeverShown() throws Exception {
        server.otherwise(req -> keyRefused("Incorrect API key provided: " + key().reveal()));
        List<String> logs = new ArrayList<>();

        ProviderException e = failureOf(client().call(request()), logs);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.retryable()).isFalse();
        assertThat(e.httpStatus()).isBetween(400, 403);
        assertThat(e.orgId()).isEqualTo(ORG);
        assertThat(e.getMessage()).contains("org " + ORG).contains("providers");
        assertThat(server.requests()).hasSize(1);
        assertClean(e, logs.get(0));
    }

    @Test
    void anUnknownModelHasItsOwnCodeAndTellsTheAdmin() throws Exception {
        server.otherwise(req -> unknownModel("no-such-model"));
        ProviderRequest req = new ProviderRequest(ORG, "no-such-model", null, "hi", 16, null, key(), null, null);
        List<String> logs = new ArrayList<>();

        ProviderException e = failureOf(client().call(req), logs);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_MODEL_NOT_FOUND);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("'no-such-model'").contains("does not exist").contains("admin");
        assertThat(server.requests()).hasSize(1);
        assertClean(e, logs.get(0));
    }

    @Test
    void aPromptTooLongIsAContextErrorThatIsNotRetried() throws Exception {
        server.otherwise(req -> contextTooLong());

        ProviderException e = failureOf(client().call(request()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_CONTEXT_TOO_LONG);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("shorten the prompt");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void malformedJsonIsAProtocolErrorThatIsNotRetriedAndShowsNoParserInternals() throws Exception {
        server.otherwise(req -> json(200, "{\"choices\": [ this is not json"));
        List<String> logs = new ArrayList<>();

        ProviderException e = failureOf(client().call(request()), logs);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_PROTOCOL);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("not valid JSON");
        assertThat(server.requests()).hasSize(1);
        assertClean(e, logs.get(0));
    }

    @Test
    void aMalformedStreamEventIsAProtocolErrorThatIsNotRetried() throws Exception {
        server.otherwise(req -> sse(streamStart(), "data: {\"choices\": [ this is not json\n\n"));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_PROTOCOL);
        assertThat(e.getMessage()).contains("not valid JSON");
        assertThat(server.requests()).hasSize(1);
        assertThat(l.terminalEvents).hasValue(1);
        assertClean(e, "");
    }

    // ---- failures that are retried --------------------------------------------------------------------

    @Test
    void oneServerErrorThenSuccessIsRetried() throws Throwable {
        server.enqueue(serverError(), answer("ok", 1, 1));

        ProviderResponse r = quietlyAwait(client().call(request()));

        assertThat(r.text()).isEqualTo("ok");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aServerErrorThatPersistsIsUnavailableAfterEveryAttempt() throws Exception {
        server.otherwise(req -> serverError());

        ProviderException e = failureOf(client().call(request()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.retryable()).isTrue();
        assertThat(e.httpStatus()).isEqualTo(500);
        assertThat(server.requests()).hasSize(FAST.maxAttempts());
    }

    @Test
    void anOverloadIsRetriedThenReportedAsOverloaded() throws Exception {
        server.otherwise(req -> overloaded());

        ProviderException e = failureOf(client().call(request()));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_OVERLOADED);
        assertThat(e.retryable()).isTrue();
        assertThat(server.requests()).hasSize(FAST.maxAttempts());
    }

    @Test
    void aRateLimitIsRetriedAfterTheDelayTheProviderAsksFor() throws Throwable {
        server.enqueue(rateLimited(Duration.ofMillis(30)), answer("ok", 1, 1));

        ProviderResponse r = quietlyAwait(client().call(request()));

        assertThat(r.text()).isEqualTo("ok");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aStreamRefusedBeforeItsFirstTokenIsRetried() throws Exception {
        server.enqueue(rateLimited(Duration.ofMillis(10)), stream("ok"));
        RecordingListener l = new RecordingListener();
        AtomicReference<ProviderResponse> r = new AtomicReference<>();

        quietly(() -> {
            client().stream(request(), l);
            r.set(l.awaitResponse());
        });

        assertThat(r.get().text()).isEqualTo("ok");
        assertThat(server.requests()).hasSize(2);
        assertThat(l.terminalEvents).hasValue(1);
    }

    @Test
    void anUnreachableProviderIsUnavailableInPlainWords() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProviderClient nowhere = newClient(settings().baseUri(URI.create("http://127.0.0.1:" + port)).build());
        List<String> logs = new ArrayList<>();

        ProviderException e = failureOf(nowhere.call(request()), logs);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("could not connect");
        assertClean(e, logs.get(0));
    }

    // ---- the deadline -------------------------------------------------------------------------------

    @Test
    void aCallToAServerThatNeverAnswersEndsAtItsDeadlineAfterOneRequest() throws Exception {
        server.otherwise(req -> silence());
        long start = System.nanoTime();

        ProviderException e = failureOf(client().call(request(DEADLINE)));

        assertThat(since(start)).isBetween(DEADLINE, DEADLINE.plus(SLACK));
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(e.getMessage()).contains(DEADLINE.toMillis() + " ms");
        assertThat(server.requests()).as("a timeout uses up the deadline: no retry").hasSize(1);
    }

    @Test
    void theClientsRequestTimeoutIsTheDeadlineWhenTheRequestGivesNone() throws Exception {
        server.otherwise(req -> silence());
        ProviderClient impatient = newClient(settings().requestTimeout(DEADLINE).build());
        long start = System.nanoTime();

        ProviderException e = failureOf(impatient.call(request()));

        assertThat(since(start)).isBetween(DEADLINE, DEADLINE.plus(SLACK));
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void retriesAndTheirBackoffFitInsideTheDeadline() throws Exception {
        server.enqueue(serverError());
        server.otherwise(req -> silence());
        long start = System.nanoTime();

        ProviderException e = failureOf(client().call(request(DEADLINE)));

        assertThat(since(start)).isBetween(DEADLINE, DEADLINE.plus(SLACK));
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(e.getMessage()).contains("2 requests sent").contains("AI_PROVIDER_UNAVAILABLE");
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aRetryThatCannotFinishInTimeIsNotStarted() throws Exception {
        server.otherwise(req -> serverError());
        ProviderClient slowBackoff = newClient(settings()
                .retryPolicy(new RetryPolicy(3, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(60)))
                .build());

        ProviderException e = failureOf(slowBackoff.call(request(DEADLINE)));

        assertThat(e.code()).as("reported at once: waiting would have ended in a timeout")
                .isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aRetryAfterBeyondTheDeadlineIsNotWaitedFor() throws Exception {
        server.otherwise(req -> rateLimited(Duration.ofSeconds(5)));
        ProviderClient patient = newClient(settings()
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(60)))
                .build());

        ProviderException e = failureOf(patient.call(request(DEADLINE)));

        assertThat(e.code()).as("reported at once: waiting would have ended in a timeout")
                .isEqualTo(ErrorCode.AI_PROVIDER_RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(5));
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aStreamThatNeverSendsATokenEndsAtItsDeadline() throws Exception {
        server.otherwise(req -> sse(streamStart()).thenStall());
        RecordingListener l = new RecordingListener();
        long start = System.nanoTime();

        ProviderException e = streamFailure(client(), request(DEADLINE), l);

        assertThat(since(start)).isBetween(DEADLINE, DEADLINE.plus(SLACK));
        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(l.tokens).isEmpty();
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aStreamSilentAfterItsFirstTokenTimesOutWithTheTokensDelivered() throws Exception {
        server.otherwise(req -> sse(streamStart(), streamToken("Red")).thenStall());
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(DEADLINE), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(e.getMessage()).contains("sent nothing for " + DEADLINE.toMillis() + " ms");
        assertThat(l.tokens).containsExactly("Red");
        assertThat(l.terminalEvents).hasValue(1);
        assertThat(server.requests()).as("no retry once tokens were delivered").hasSize(1);
    }

    // ---- streams failing half way, and cancel ---------------------------------------------------------

    @Test
    void aStreamCutHalfWayIsReportedOnceWithTheTokensDelivered() throws Exception {
        server.otherwise(req -> sse(streamStart(), streamToken("Red")).thenDrop());
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(l.tokens).containsExactly("Red");
        assertThat(l.terminalEvents).hasValue(1);
        assertThat(server.requests()).hasSize(1);
        assertClean(e, "");
    }

    @Test
    void aServerErrorInsideAStreamIsReportedOnceWithTheTokensDelivered() throws Exception {
        server.otherwise(req -> sse(streamStart(), streamToken("Red"), streamServerError()));
        RecordingListener l = new RecordingListener();

        ProviderException e = streamFailure(client(), request(), l);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_UNAVAILABLE);
        assertThat(e.getMessage()).contains("inside the stream");
        assertThat(l.tokens).containsExactly("Red");
        assertThat(l.terminalEvents).hasValue(1);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void cancelStopsAStreamAndNothingArrivesAfterwards() throws Exception {
        server.enqueue(sse(streamStart(), streamToken("Red")).thenStall());
        RecordingListener l = new RecordingListener();

        ProviderStream s = client().stream(request(), l);
        l.awaitFirstToken();
        boolean canceled = s.cancel();

        assertThat(canceled).isTrue();
        assertThat(s.cancel()).as("idempotent").isFalse();
        assertThat(l.terminalEvents).hasValue(0);
        assertThat(l.tokens).containsExactly("Red");
    }

    @Test
    void cancelingACallAbortsItWithoutARetry() throws Exception {
        server.otherwise(req -> silence());
        CompletableFuture<ProviderResponse> f = client().call(request());
        long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.requests().isEmpty() && System.nanoTime() < giveUp) {
            Thread.onSpinWait();
        }

        assertThat(f.cancel(true)).isTrue();
        assertThat(f.isCancelled()).isTrue();
        assertThat(server.requests()).hasSize(1);
    }

    // ---- the base URL -------------------------------------------------------------------------------

    @Test
    void theBaseUrlIsTheOriginOrAGatewayPrefixAndTheOldVersionedFormStillWorks() throws Throwable {
        server.otherwise(req -> answer("ok", 1, 1));

        Futures.await(newClient(settings().build()).call(request()));
        Futures.await(newClient(settings().baseUri(server.uri(legacyBaseSuffix() + "/")).build()).call(request()));
        Futures.await(newClient(settings().baseUri(server.uri("/gateway")).build()).call(request()));
        Futures.await(newClient(settings().baseUri(server.uri("/gateway" + legacyBaseSuffix())).build())
                .call(request()));

        String path = server.requests().get(0).pathAndQuery();
        assertThat(server.requests()).extracting(LoopbackServer.Recorded::pathAndQuery)
                .containsExactly(path, path, "/gateway" + path, "/gateway" + path);
    }
}
