package dev.aitenancy.provider.internal;

import dev.aitenancy.AiTenancyException;
import dev.aitenancy.FinishReason;
import dev.aitenancy.ProviderException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed call over SSE: its attempts, its timer, and the listener's single terminal event.
 *
 * <p>Time: until the first token the call's timeout is a deadline (attempts, backoff and
 * {@code retry-after} waits included, as for a plain call). From the first token on, the same
 * duration is the longest silence allowed between two lines of the stream. A stream is retried
 * only before its first token.
 *
 * <p>Threads: an attempt is a blocking {@code HttpClient.send} on the client's executor (see
 * {@link ProviderThreads}) that returns with the response headers; the body's lines then arrive on
 * the HttpClient's threads. Stopping the exchange interrupts the send (aborting the request) or
 * cancels the body's subscription, whichever is under way.
 *
 * <p>Thread safety: every field is guarded by {@code this}; the listener is called while holding
 * it, so its calls never overlap.
 */
final class StreamExchange implements ProviderStream {

    private static final Logger LOG = LoggerFactory.getLogger(StreamExchange.class);

    private final HttpProviderClient client;
    private final ProviderRequest request;
    private final ProviderStreamListener listener;
    private final ErrorClassifier.Context ctx;
    private final Deadline deadline;
    private final long silenceNanos;

    private final StringBuilder text = new StringBuilder();
    private final java.util.SortedMap<Integer, ToolCallParts> toolCalls = new java.util.TreeMap<>();
    private TokenUsage usage = TokenUsage.UNKNOWN;
    private FinishReason finishReason = FinishReason.UNKNOWN;
    private String model;
    private String requestId;
    private boolean anyToken;
    private boolean finished;
    private boolean waitingToRetry;
    private int attempt;
    private long lastActivity;
    private ProviderException lastFailure;
    private Future<?> exchange;
    private Flow.Subscription subscription;
    private Deadlines.Timer timer;
    private ScheduledFuture<?> pendingRetry;
    private java.util.function.Consumer<String> openAttempt;

    StreamExchange(HttpProviderClient client, ProviderRequest request, ProviderStreamListener listener,
            ErrorClassifier.Context ctx, Deadline deadline) {
        this.client = client;
        this.request = request;
        this.listener = listener;
        this.ctx = ctx;
        this.deadline = deadline;
        this.silenceNanos = Math.max(1, deadline.timeout().toNanos());
    }

    synchronized void start() {
        if (deadline.passed()) {
            deliverError(client.errors().deadline(ctx, deadline.timeout(), 0, null));
            return;
        }
        armTimer(deadline.remainingNanos());
        send();
    }

    /** One attempt. */
    private void send() {
        if (finished) {
            return;
        }
        int current = ++attempt;
        attemptStarted(current);
        waitingToRetry = false;
        subscription = null;
        HttpRequest httpRequest;
        try {
            httpRequest = client.format().generate(client.endpoint(), request, true).build();
        } catch (Exception e) {
            AiTenancyException error = client.errors().cannotBuild(ctx, e);
            if (!(error instanceof ProviderException providerError)) {
                // a request the wire format refuses fails the same way on every attempt, so this is the
                // first, on the caller's thread in stream(): it throws there like a call's does
                stop();
                throw (RuntimeException) error;
            }
            deliverError(providerError);
            return;
        }
        Lines lines = new Lines(current);
        HttpResponse.BodyHandler<String> handler = info -> {
            if (info.statusCode() / 100 != 2) {
                return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
            }
            lines.requestId = info.headers().firstValue("x-request-id")
                    .or(() -> info.headers().firstValue("request-id")).orElse(null);
            return new AfterHeaders(
                    HttpResponse.BodySubscribers.fromLineSubscriber(lines, x -> null, StandardCharsets.UTF_8, null));
        };
        exchange = null;
        try {
            client.run(() -> client.http().send(httpRequest, handler), (response, failure) -> {
                if (failure != null) {
                    failed(current, client.errors().transport(failure, ctx), null);
                } else if (response.statusCode() / 100 != 2) {
                    failed(current, client.errors().http(response.statusCode(), response.headers(), response.body(),
                            ctx), response.headers());
                }
            }, f -> exchange = f, false);
        } catch (RejectedExecutionException e) {
            failed(current, client.errors().saturated(ctx, e), null);
        }
    }

    /**
     * The body of a 2xx stream: {@code send} returns as soon as the headers are in, freeing the
     * executor's thread; the lines keep arriving at {@link Lines} on the HttpClient's own threads.
     */
    private static final class AfterHeaders implements HttpResponse.BodySubscriber<String> {
        private final HttpResponse.BodySubscriber<?> lines;

        AfterHeaders(HttpResponse.BodySubscriber<?> lines) {
            this.lines = lines;
        }

        @Override
        public CompletionStage<String> getBody() {
            return CompletableFuture.completedStage(null);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            lines.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            lines.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            lines.onError(throwable);
        }

        @Override
        public void onComplete() {
            lines.onComplete();
        }
    }

    private void armTimer(long delayNanos) {
        timer = Deadlines.INSTANCE.after(delayNanos, this::timerFired);
    }

    /** Before the first token: has the deadline passed? After it: has the stream been silent too long? */
    private synchronized void timerFired() {
        if (finished) {
            return;
        }
        if (!anyToken) {
            long left = deadline.remainingNanos();
            if (left <= 0) {
                deliverError(client.errors().deadline(ctx, deadline.timeout(), attempt, lastFailure));
            } else {
                armTimer(left);
            }
            return;
        }
        long silent = System.nanoTime() - lastActivity;
        if (silent >= silenceNanos) {
            deliverError(client.errors().silence(ctx, deadline.timeout(), text.length()));
        } else {
            armTimer(silenceNanos - silent);
        }
    }

    /** A failure of attempt {@code forAttempt}: retried when nothing reached the listener yet and time allows. */
    private synchronized void failed(int forAttempt, ProviderException error, HttpHeaders headers) {
        if (!accepts(forAttempt)) {
            return;
        }
        lastFailure = error;
        attemptEnded(error.code().name());
        Optional<Duration> delay = anyToken ? Optional.empty()
                : client.retries().next(error, headers, attempt, deadline);
        if (delay.isEmpty()) {
            deliverError(error);
            return;
        }
        LOG.debug("{} stream attempt {} failed with {}; retrying in {} ms", ctx.provider(), attempt, error.code(),
                delay.get().toMillis());
        waitingToRetry = true; // late events of the failed attempt are ignored from now on
        abortExchange();
        pendingRetry = Scheduler.INSTANCE.schedule(this::retry, delay.get().toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized void retry() {
        if (waitingToRetry) {
            send();
        }
    }

    private boolean accepts(int forAttempt) {
        return !finished && !waitingToRetry && forAttempt == attempt;
    }

    private void deliverError(ProviderException error) {
        attemptEnded(error.code().name());
        stop();
        listener.onError(error);
    }

    /** Ends the call and closes its connection. */
    private void stop() {
        finish();
        abortExchange();
    }

    /** Ends the call; the body of a completed stream drains on its own, so the connection can be reused. */
    private void finish() {
        finished = true;
        if (timer != null) {
            timer.cancel();
        }
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
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
    public synchronized boolean cancel() {
        if (finished) {
            return false;
        }
        attemptEnded("AI_CANCELED");
        stop();
        return true;
    }

    private void attemptStarted(int number) {
        try {
            openAttempt = request.attempts().attemptStarted(number);
        } catch (RuntimeException e) {
            LOG.warn("an attempt listener failed", e);
        }
    }

    /** The attempt in flight (if any) ended with {@code code} (null: it succeeded). */
    private void attemptEnded(String code) {
        java.util.function.Consumer<String> done = openAttempt;
        openAttempt = null;
        if (done != null) {
            try {
                done.accept(code);
            } catch (RuntimeException e) {
                LOG.warn("an attempt listener failed", e);
            }
        }
    }

    /** Receives the body of one attempt line by line, and is the decoder's sink for it. */
    private final class Lines implements Flow.Subscriber<String>, StreamSink {
        private final int forAttempt;
        private final SseParser parser;
        private final StreamDecoder decoder;
        volatile String requestId;

        Lines(int forAttempt) {
            this.forAttempt = forAttempt;
            this.decoder = client.format().streamDecoder(request);
            this.parser = new SseParser(event -> {
                try {
                    decoder.onEvent(event, this);
                } catch (Exception e) {
                    failed(forAttempt, client.errors().unreadableEvent(ctx, e), null);
                }
            });
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (StreamExchange.this) {
                if (!accepts(forAttempt)) {
                    s.cancel();
                    return;
                }
                subscription = s;
                StreamExchange.this.requestId = requestId;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            synchronized (StreamExchange.this) {
                if (accepts(forAttempt)) {
                    lastActivity = System.nanoTime();
                    parser.line(line);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (StreamExchange.this) {
                failed(forAttempt, client.errors().streamBroke(ctx, text.length(), t), null);
            }
        }

        @Override
        public void onComplete() {
            synchronized (StreamExchange.this) {
                if (accepts(forAttempt)) {
                    parser.end();
                }
                if (accepts(forAttempt)) {
                    decoder.onEnd(this);
                }
            }
        }

        // StreamSink: called by the decoder while holding the StreamExchange lock

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
            if (accepts(forAttempt)) {
                usage = reported.orElse(usage);
                listener.onUsage(usage);
            }
        }

        @Override
        public void finishReason(FinishReason reason) {
            if (reason != null) {
                finishReason = reason;
            }
        }

        @Override
        public void toolCall(int index, String id, String name) {
            if (accepts(forAttempt)) {
                anyToken = true; // a retry would repeat what the listener has seen begin
                ToolCallParts parts = toolCalls.computeIfAbsent(index, i -> new ToolCallParts());
                parts.id = id != null ? id : parts.id;
                parts.name = name != null ? name : parts.name;
            }
        }

        @Override
        public void toolArguments(int index, String piece) {
            if (piece != null && accepts(forAttempt)) {
                toolCalls.computeIfAbsent(index, i -> new ToolCallParts()).arguments.append(piece);
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
            if (accepts(forAttempt)) {
                finish();
                attemptEnded(null);
                listener.onComplete(new ProviderResponse(text.toString(), usage, finishReason, model,
                        StreamExchange.this.requestId, ToolCallParts.assemble(toolCalls)));
            }
        }

        @Override
        public void fail(Situation situation, String providerCode, String message) {
            if (accepts(forAttempt)) {
                failed(forAttempt, client.errors().inStream(situation, providerCode, message, ctx), null);
            }
        }

        @Override
        public boolean isFinished() {
            return !accepts(forAttempt);
        }
    }
}
