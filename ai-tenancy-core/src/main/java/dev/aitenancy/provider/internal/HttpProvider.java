package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.FinishReason;
import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.internal.Secrets;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.provider.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport every HTTP provider adapter shares: asynchronous exchanges on the JDK
 * {@link HttpClient}, timeouts, retries with backoff and jitter honouring {@code retry-after},
 * status-based error classification, SSE streaming with an idle timeout, and cancellation. An
 * adapter supplies only what differs: how to build its requests and read its payloads.
 */
public abstract class HttpProvider implements ProviderClient {

    private static final Logger LOG = LoggerFactory.getLogger(HttpProvider.class);
    private static final int MAX_MESSAGE = 500;

    protected final ProviderId id;
    protected final ProviderSettings settings;
    private final HttpClient http;

    protected HttpProvider(ProviderId id, ProviderSettings settings) {
        this.id = id;
        this.settings = settings;
        this.http = settings.httpClient() != null
                ? settings.httpClient()
                : HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build();
    }

    // ---- what an adapter supplies ------------------------------------------------------------

    /** The request for one generation, with auth, body and URI; the transport adds the rest. */
    protected abstract HttpRequest.Builder callRequest(ProviderRequest request, boolean stream) throws Exception;

    /** Reads a successful non-streamed answer. */
    protected abstract ProviderResponse parseResponse(JsonNode body, HttpHeaders headers) throws Exception;

    /** A fresh decoder for one stream. */
    protected abstract StreamDecoder streamDecoder(ProviderRequest request);

    /** The cheapest request that proves a key works. */
    protected abstract HttpRequest.Builder verifyRequest(ApiKey key);

    /**
     * Reads an error body. The default understands {@code {"error":{"message","type","code"}}}
     * (OpenAI and compatible servers) and falls back to the raw text.
     */
    protected ErrorDetails errorDetails(int status, String body) {
        try {
            JsonNode err = Json.MAPPER.readTree(body).path("error");
            if (err.isObject()) {
                String code = Json.text(err.get("code"));
                return new ErrorDetails(null, code != null ? code : Json.text(err.get("type")),
                        Json.text(err.get("message")), null);
            }
            if (err.isTextual()) {
                return new ErrorDetails(null, null, err.asText(), null);
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        return new ErrorDetails(null, null, body == null || body.isBlank() ? null : body.strip(), null);
    }

    // ---- helpers for adapters ------------------------------------------------------------------

    /** {@code path} appended to the configured base URI (one slash between them). */
    protected URI endpoint(String path) {
        String base = settings.baseUri().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + (path.startsWith("/") ? path : "/" + path));
    }

    /** A JSON POST with the correlation id and the configured extra headers. */
    protected HttpRequest.Builder postJson(URI uri, ProviderRequest request, Object body, boolean stream)
            throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
        if (request.correlationId() != null) {
            b.header("x-correlation-id", request.correlationId());
        }
        settings.headers().forEach(b::header);
        return b;
    }

    /** A GET with the configured extra headers. */
    protected HttpRequest.Builder get(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().header("Accept", "application/json");
        settings.headers().forEach(b::header);
        return b;
    }

    // ---- ProviderClient ------------------------------------------------------------------------

    @Override
    public ProviderId id() {
        return id;
    }

    @Override
    public CompletableFuture<ProviderResponse> call(ProviderRequest request) {
        return exchange(() -> callRequest(request, false), new Ctx(request.orgId(), request.apiKey()),
                timeout(request), response -> parseResponse(Json.MAPPER.readTree(response.body()), response.headers()));
    }

    @Override
    public CompletableFuture<Void> verify(ApiKey key) {
        return exchange(() -> verifyRequest(key), new Ctx(null, key), settings.requestTimeout(), response -> null);
    }

    @Override
    public ProviderStream stream(ProviderRequest request, ProviderStreamListener listener) {
        StreamCall call = new StreamCall(request, listener);
        call.start();
        return call;
    }

    private Duration timeout(ProviderRequest request) {
        return request.timeout() != null ? request.timeout() : settings.requestTimeout();
    }

    // ---- one non-streamed exchange with retries -----------------------------------------------

    private record Ctx(String orgId, ApiKey key) {
    }

    @FunctionalInterface
    private interface RequestFactory {
        HttpRequest.Builder create() throws Exception;
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(HttpResponse<String> response) throws Exception;
    }

    private <T> CompletableFuture<T> exchange(RequestFactory factory, Ctx ctx, Duration timeout, Parser<T> parser) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(factory, ctx, timeout, parser, result, 1);
        return result;
    }

    private <T> void attempt(RequestFactory factory, Ctx ctx, Duration timeout, Parser<T> parser,
            CompletableFuture<T> result, int attempt) {
        if (result.isDone()) {
            return;
        }
        HttpRequest request;
        try {
            request = factory.create().timeout(timeout).build();
        } catch (Exception e) {
            result.completeExceptionally(error(ErrorCode.AI_PROVIDER_BAD_REQUEST, ctx, 0, null, null,
                    "could not build the request: " + e.getMessage(), e));
            return;
        }
        CompletableFuture<HttpResponse<String>> exchange =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> timer = Scheduler.INSTANCE.schedule(() -> {
            timedOut.set(true);
            exchange.cancel(true);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) {
                exchange.cancel(true);
            }
        });
        exchange.whenComplete((response, failure) -> {
            timer.cancel(false);
            ProviderException error;
            HttpHeaders headers = null;
            if (failure != null) {
                error = timedOut.get() ? timeoutError(ctx, timeout) : transportError(failure, ctx);
            } else if (response.statusCode() / 100 != 2) {
                headers = response.headers();
                error = httpError(response.statusCode(), headers, response.body(), ctx);
            } else {
                try {
                    result.complete(parser.parse(response));
                    return;
                } catch (Exception e) {
                    result.completeExceptionally(error(ErrorCode.AI_PROVIDER_PROTOCOL, ctx, response.statusCode(),
                            null, null, "the answer could not be read: " + e.getMessage(), e));
                    return;
                }
            }
            Optional<Duration> delay = retryDelay(error, headers, attempt);
            if (delay.isPresent() && !result.isDone()) {
                LOG.debug("{} attempt {} failed with {}; retrying in {} ms", id, attempt, error.code(),
                        delay.get().toMillis());
                Scheduler.INSTANCE.schedule(() -> attempt(factory, ctx, timeout, parser, result, attempt + 1),
                        delay.get().toNanos(), TimeUnit.NANOSECONDS);
            } else {
                result.completeExceptionally(error);
            }
        });
    }

    // ---- retry decisions ------------------------------------------------------------------------

    /** How long to wait before the next attempt, or empty when the failure must not be retried. */
    private Optional<Duration> retryDelay(ProviderException error, HttpHeaders headers, int attempt) {
        RetryPolicy policy = settings.retryPolicy();
        boolean retry = error.retryable() && error.code() != ErrorCode.AI_PROVIDER_PROTOCOL;
        if (headers != null) {
            Optional<String> should = headers.firstValue("x-should-retry");
            if (should.isPresent()) {
                retry = Boolean.parseBoolean(should.get().trim());
            }
        }
        if (!retry || attempt >= policy.maxAttempts()) {
            return Optional.empty();
        }
        if (error.retryAfter().isPresent()) {
            Duration asked = error.retryAfter().get();
            return asked.compareTo(policy.maxRetryAfter()) > 0 ? Optional.empty() : Optional.of(asked);
        }
        return Optional.of(backoff(policy, attempt));
    }

    /** Exponential backoff with jitter: a random delay between half and all of the capped exponent. */
    static Duration backoff(RetryPolicy policy, int attempt) {
        long initial = policy.initialBackoff().toNanos();
        long cap = policy.maxBackoff().toNanos();
        long exp = initial << Math.min(attempt - 1, 30);
        long ceiling = exp <= 0 || exp > cap ? cap : exp;
        if (ceiling <= 1) {
            return Duration.ofNanos(Math.max(ceiling, 0));
        }
        long half = ceiling / 2;
        return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }

    /** {@code retry-after-ms}, else {@code retry-after} in seconds or as an HTTP date. */
    static Duration retryAfterHeader(HttpHeaders headers) {
        if (headers == null) {
            return null;
        }
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Duration.ofNanos((long) (Double.parseDouble(ms.get().trim()) * 1_000_000));
            } catch (NumberFormatException ignored) {
                // fall back to retry-after
            }
        }
        Optional<String> after = headers.firstValue("retry-after");
        if (after.isEmpty()) {
            return null;
        }
        String v = after.get().trim();
        try {
            return Duration.ofNanos((long) (Double.parseDouble(v) * 1_000_000_000L));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }

    // ---- error classification -------------------------------------------------------------------

    private ProviderException httpError(int status, HttpHeaders headers, String body, Ctx ctx) {
        ErrorDetails details;
        try {
            details = errorDetails(status, body);
        } catch (RuntimeException e) {
            details = ErrorDetails.NONE;
        }
        ErrorCode code = details.code() != null ? details.code() : statusCode(status);
        Duration retryAfter = retryAfterHeader(headers);
        if (retryAfter == null) {
            retryAfter = details.retryAfter();
        }
        String message = id + " answered HTTP " + status
                + (details.providerCode() != null ? " (" + details.providerCode() + ")" : "")
                + (details.message() != null ? ": " + truncate(details.message()) : "")
                + advice(code, ctx);
        return error(code, ctx, status, details.providerCode(), retryAfter, message, null);
    }

    /** The classification a status alone gives. */
    static ErrorCode statusCode(int status) {
        return switch (status) {
            case 401, 403 -> ErrorCode.AI_PROVIDER_AUTH;
            case 408 -> ErrorCode.AI_PROVIDER_TIMEOUT;
            case 409 -> ErrorCode.AI_PROVIDER_UNAVAILABLE;
            case 429 -> ErrorCode.AI_PROVIDER_RATE_LIMITED;
            case 529 -> ErrorCode.AI_PROVIDER_OVERLOADED;
            default -> status >= 500 ? ErrorCode.AI_PROVIDER_UNAVAILABLE
                    : status >= 400 ? ErrorCode.AI_PROVIDER_BAD_REQUEST : ErrorCode.AI_PROVIDER_PROTOCOL;
        };
    }

    private String advice(ErrorCode code, Ctx ctx) {
        String org = ctx.orgId() == null ? "" : " of org " + ctx.orgId();
        return switch (code) {
            case AI_PROVIDER_AUTH -> " — the " + id + " key" + org + " was refused; check or replace it under providers";
            case AI_PROVIDER_QUOTA_EXHAUSTED -> " — the " + id + " account" + org
                    + " is out of credit or quota; add credit with the provider";
            case AI_CONTEXT_TOO_LONG -> " — shorten the prompt or lower max output tokens";
            default -> "";
        };
    }

    private ProviderException timeoutError(Ctx ctx, Duration timeout) {
        return error(ErrorCode.AI_PROVIDER_TIMEOUT, ctx, 0, null, null,
                id + " did not answer within " + timeout.toMillis() + " ms", null);
    }

    private ProviderException transportError(Throwable failure, Ctx ctx) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (t instanceof ProviderException pe) {
            return pe;
        }
        if (t instanceof HttpConnectTimeoutException) {
            return error(ErrorCode.AI_PROVIDER_TIMEOUT, ctx, 0, null, null,
                    "could not connect to " + id + " within " + settings.connectTimeout().toMillis() + " ms", t);
        }
        if (t instanceof HttpTimeoutException) {
            return error(ErrorCode.AI_PROVIDER_TIMEOUT, ctx, 0, null, null, id + " did not answer in time", t);
        }
        if (t instanceof CancellationException) {
            return error(ErrorCode.AI_PROVIDER_UNAVAILABLE, ctx, 0, null, null, "the call to " + id + " was aborted",
                    t);
        }
        String what = t instanceof ConnectException ? "could not connect to " + id : "the connection to " + id
                + " failed";
        return error(ErrorCode.AI_PROVIDER_UNAVAILABLE, ctx, 0, null, null,
                what + " (" + t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "")
                        + ")", t);
    }

    private ProviderException error(ErrorCode code, Ctx ctx, int status, String providerCode, Duration retryAfter,
            String message, Throwable cause) {
        String secret = ctx.key() == null ? null : ctx.key().reveal();
        return new ProviderException(code, ctx.orgId(), id.name(), status, Secrets.scrub(providerCode, secret),
                retryAfter, Secrets.scrub(message, secret), cause == null ? null : new ScrubbedCause(cause, secret));
    }

    private static String truncate(String s) {
        String oneLine = s.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_MESSAGE ? oneLine : oneLine.substring(0, MAX_MESSAGE) + "…";
    }

    /** A cause kept for its type and stack, with its message scrubbed of key material. */
    static final class ScrubbedCause extends IOException {
        private static final long serialVersionUID = 1L;

        ScrubbedCause(Throwable original, String secret) {
            super(original.getClass().getName() + ": " + Secrets.scrub(String.valueOf(original.getMessage()), secret));
            setStackTrace(original.getStackTrace());
        }
    }

    // ---- streaming ------------------------------------------------------------------------------

    /** One streamed call: attempts, the idle timer, and the listener's single terminal event. */
    private final class StreamCall implements ProviderStream {
        private final ProviderRequest request;
        private final ProviderStreamListener listener;
        private final Ctx ctx;
        private final Duration idleTimeout;

        private final StringBuilder text = new StringBuilder();
        private TokenUsage usage = TokenUsage.UNKNOWN;
        private FinishReason finishReason = FinishReason.UNKNOWN;
        private String model;
        private String requestId;
        private boolean anyToken;
        private boolean finished;
        private int attempt;
        private int staleAttempt;
        private CompletableFuture<HttpResponse<String>> exchange;
        private Flow.Subscription subscription;
        private ScheduledFuture<?> idleTimer;
        private volatile long lastActivity;

        StreamCall(ProviderRequest request, ProviderStreamListener listener) {
            this.request = request;
            this.listener = listener;
            this.ctx = new Ctx(request.orgId(), request.apiKey());
            this.idleTimeout = timeout(request);
        }

        synchronized void start() {
            if (finished) {
                return;
            }
            int current = ++attempt;
            subscription = null;
            HttpRequest httpRequest;
            try {
                httpRequest = callRequest(request, true).build();
            } catch (Exception e) {
                deliverError(error(ErrorCode.AI_PROVIDER_BAD_REQUEST, ctx, 0, null, null,
                        "could not build the request: " + e.getMessage(), e));
                return;
            }
            Lines lines = new Lines(current);
            HttpResponse.BodyHandler<String> handler = info -> {
                if (info.statusCode() / 100 != 2) {
                    return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
                }
                lines.requestId = info.headers().firstValue("x-request-id")
                        .or(() -> info.headers().firstValue("request-id")).orElse(null);
                return HttpResponse.BodySubscribers.fromLineSubscriber(lines, s -> null, StandardCharsets.UTF_8, null);
            };
            lastActivity = System.nanoTime();
            armIdleTimer(current, idleTimeout.toNanos());
            CompletableFuture<HttpResponse<String>> ex = http.sendAsync(httpRequest, handler);
            exchange = ex;
            ex.whenComplete((response, failure) -> {
                if (failure != null) {
                    failed(current, transportError(failure, ctx), null);
                } else if (response.statusCode() / 100 != 2) {
                    failed(current, httpError(response.statusCode(), response.headers(), response.body(), ctx),
                            response.headers());
                }
            });
        }

        private void armIdleTimer(int forAttempt, long delayNanos) {
            idleTimer = Scheduler.INSTANCE.schedule(() -> idleCheck(forAttempt), delayNanos, TimeUnit.NANOSECONDS);
        }

        private synchronized void idleCheck(int forAttempt) {
            if (!accepts(forAttempt)) {
                return;
            }
            long silent = System.nanoTime() - lastActivity;
            long limit = idleTimeout.toNanos();
            if (silent >= limit) {
                failed(forAttempt, error(ErrorCode.AI_PROVIDER_TIMEOUT, ctx, 0, null, null,
                        id + " sent nothing for " + idleTimeout.toMillis() + " ms", null), null);
            } else {
                armIdleTimer(forAttempt, limit - silent);
            }
        }

        /** A failure of attempt {@code forAttempt}: retried when nothing reached the listener yet. */
        private synchronized void failed(int forAttempt, ProviderException error, HttpHeaders headers) {
            if (!accepts(forAttempt)) {
                return;
            }
            Optional<Duration> delay = anyToken ? Optional.empty() : retryDelay(error, headers, attempt);
            if (delay.isEmpty()) {
                deliverError(error);
                return;
            }
            LOG.debug("{} stream attempt {} failed with {}; retrying in {} ms", id, attempt, error.code(),
                    delay.get().toMillis());
            staleAttempt = forAttempt; // late events of the failed attempt are ignored from now on
            stopTimers();
            abortExchange();
            Scheduler.INSTANCE.schedule(() -> {
                synchronized (this) {
                    if (!finished && attempt == forAttempt) {
                        start();
                    }
                }
            }, delay.get().toNanos(), TimeUnit.NANOSECONDS);
        }

        private boolean accepts(int forAttempt) {
            return !finished && forAttempt == attempt && forAttempt != staleAttempt;
        }

        private void deliverError(ProviderException error) {
            finished = true;
            stopTimers();
            abortExchange();
            listener.onError(error);
        }

        private void stopTimers() {
            if (idleTimer != null) {
                idleTimer.cancel(false);
            }
        }

        private void abortExchange() {
            if (subscription != null) {
                subscription.cancel();
            }
            if (exchange != null) {
                exchange.cancel(true);
            }
        }

        @Override
        public boolean cancel() {
            synchronized (this) {
                if (finished) {
                    return false;
                }
                finished = true;
                stopTimers();
                abortExchange();
                return true;
            }
        }

        /** Receives the body of one attempt line by line. */
        private final class Lines implements Flow.Subscriber<String>, StreamSink {
            private final int forAttempt;
            private final SseParser parser;
            private final StreamDecoder decoder;
            volatile String requestId;

            Lines(int forAttempt) {
                this.forAttempt = forAttempt;
                this.decoder = streamDecoder(request);
                this.parser = new SseParser(event -> {
                    try {
                        decoder.onEvent(event, this);
                    } catch (Exception e) {
                        fail(ErrorCode.AI_PROVIDER_PROTOCOL, null,
                                "a stream event could not be read: " + e.getMessage());
                    }
                });
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                synchronized (StreamCall.this) {
                    if (!accepts(forAttempt)) {
                        s.cancel();
                        return;
                    }
                    subscription = s;
                    StreamCall.this.requestId = requestId;
                }
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                synchronized (StreamCall.this) {
                    if (!accepts(forAttempt)) {
                        return;
                    }
                    lastActivity = System.nanoTime();
                    parser.line(line);
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (StreamCall.this) {
                    if (!accepts(forAttempt)) {
                        return;
                    }
                    failed(forAttempt, error(ErrorCode.AI_PROVIDER_UNAVAILABLE, ctx, 0, null, null,
                            "the " + id + " stream broke off after " + text.length() + " characters ("
                                    + t.getClass().getSimpleName() + ")", t), null);
                }
            }

            @Override
            public void onComplete() {
                synchronized (StreamCall.this) {
                    if (!accepts(forAttempt)) {
                        return;
                    }
                    parser.end();
                    if (accepts(forAttempt)) {
                        decoder.onEnd(this);
                    }
                }
            }

            // StreamSink: called by the decoder while holding the StreamCall lock

            @Override
            public void token(String piece) {
                if (piece == null || piece.isEmpty() || !accepts(forAttempt)) {
                    return;
                }
                anyToken = true;
                text.append(piece);
                listener.onToken(piece);
            }

            @Override
            public void usage(TokenUsage reported) {
                if (!accepts(forAttempt)) {
                    return;
                }
                usage = reported.orElse(usage);
                listener.onUsage(usage);
            }

            @Override
            public void finishReason(FinishReason reason) {
                if (reason != null) {
                    finishReason = reason;
                }
            }

            @Override
            public void model(String m) {
                if (m != null) {
                    model = m;
                }
            }

            @Override
            public void complete() {
                if (!accepts(forAttempt)) {
                    return;
                }
                finished = true;
                stopTimers();
                listener.onComplete(new ProviderResponse(text.toString(), usage, finishReason, model,
                        StreamCall.this.requestId));
            }

            @Override
            public void fail(ErrorCode code, String providerCode, String message) {
                if (!accepts(forAttempt)) {
                    return;
                }
                failed(forAttempt, error(code, ctx, 0, providerCode, null,
                        id + " reported an error inside the stream"
                                + (providerCode != null ? " (" + providerCode + ")" : "")
                                + (message != null ? ": " + truncate(message) : "") + advice(code, ctx), null),
                        null);
            }

            @Override
            public boolean isFinished() {
                return !accepts(forAttempt);
            }
        }
    }
}
