package dev.aitenancy.provider.internal;

import dev.aitenancy.ProviderException;
import dev.aitenancy.provider.AttemptListener;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One non-streamed call: its attempts, with the waits between them, inside one deadline. A timer
 * set at the start ({@link Deadlines}: at most 10 ms late) fails the call with
 * {@code AI_PROVIDER_TIMEOUT} when the deadline passes,
 * whatever is under way (an attempt, a backoff); a retry is started only when
 * {@link RetryDecision} says it can still finish in time. Completing the future any way — an
 * answer, an error, the deadline, a cancel by the caller — stops the timers and the exchange.
 *
 * <p>Each attempt is a blocking {@code HttpClient.send} on the client's executor (see
 * {@link ProviderThreads}); stopping the exchange interrupts it, which aborts the request and frees
 * the thread. The answer is read, and the future completed, on that thread.
 */
final class Attempts<T> {

    private static final Logger LOG = LoggerFactory.getLogger(Attempts.class);

    @FunctionalInterface
    interface RequestFactory {
        HttpRequest.Builder create() throws Exception;
    }

    @FunctionalInterface
    interface AnswerReader<T> {
        T read(HttpResponse<byte[]> response) throws Exception;
    }

    /** The body as text, decoded as UTF-8 the way {@code BodyHandlers.ofString(UTF_8)} decodes it. */
    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private final HttpProviderClient client;
    private final RequestFactory factory;
    private final ErrorClassifier.Context ctx;
    private final Deadline deadline;
    private final AnswerReader<T> reader;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile Future<?> inFlight;
    private volatile Future<?> pendingRetry;
    private volatile Deadlines.Timer timer;
    private volatile ProviderException lastFailure;
    private final AttemptListener listener;
    private final AtomicReference<Consumer<String>> open = new AtomicReference<>();

    Attempts(HttpProviderClient client, RequestFactory factory, ErrorClassifier.Context ctx, Deadline deadline,
            AnswerReader<T> reader) {
        this(client, factory, ctx, deadline, reader, AttemptListener.NONE);
    }

    Attempts(HttpProviderClient client, RequestFactory factory, ErrorClassifier.Context ctx, Deadline deadline,
            AnswerReader<T> reader, AttemptListener listener) {
        this.listener = listener;
        this.client = client;
        this.factory = factory;
        this.ctx = ctx;
        this.deadline = deadline;
        this.reader = reader;
    }

    CompletableFuture<T> start() {
        if (deadline.passed()) {
            result.completeExceptionally(client.errors().deadline(ctx, deadline.timeout(), 0, null));
            return result;
        }
        timer = Deadlines.INSTANCE.after(deadline.remainingNanos(), this::deadlinePassed);
        result.whenComplete((v, e) -> {
            stop();
            ended(e == null ? null : e instanceof ProviderException pe ? pe.code().name() : "AI_CANCELED");
        });
        send();
        return result;
    }

    private void send() {
        if (result.isDone()) {
            return;
        }
        int attempt = attempts.incrementAndGet();
        HttpRequest request;
        try {
            request = factory.create().build();
        } catch (Exception e) {
            result.completeExceptionally(client.errors().cannotBuild(ctx, e));
            return;
        }
        started(attempt);
        try {
            client.run(() -> client.http().send(request, HttpResponse.BodyHandlers.ofByteArray()),
                    (response, failure) -> answered(attempt, response, failure), exchange -> {
                        inFlight = exchange;
                        if (result.isDone()) {
                            exchange.cancel(true); // the deadline or the caller got here first
                        }
                    }, true);
        } catch (RejectedExecutionException e) {
            answered(attempt, null, client.errors().saturated(ctx, e));
        }
    }

    private void answered(int attempt, HttpResponse<byte[]> response, Throwable failure) {
        if (result.isDone()) {
            return;
        }
        ProviderException error;
        HttpHeaders headers = null;
        if (failure != null) {
            error = client.errors().transport(failure, ctx);
        } else if (response.statusCode() / 100 != 2) {
            headers = response.headers();
            error = client.errors().http(response.statusCode(), headers, text(response), ctx);
        } else {
            try {
                result.complete(reader.read(response));
            } catch (Exception e) {
                result.completeExceptionally(client.errors().unreadable(ctx, response.statusCode(), e));
            }
            return;
        }
        lastFailure = error;
        ended(error.code().name());
        Optional<Duration> delay = client.retries().next(error, headers, attempt, deadline);
        if (delay.isEmpty()) {
            result.completeExceptionally(error);
            return;
        }
        LOG.debug("{} attempt {} failed with {}; retrying in {} ms", ctx.provider(), attempt, error.code(),
                delay.get().toMillis());
        pendingRetry = Scheduler.INSTANCE.schedule(this::send, delay.get().toNanos(), TimeUnit.NANOSECONDS);
        if (result.isDone()) {
            pendingRetry.cancel(false);
        }
    }

    private void started(int attempt) {
        try {
            open.set(listener.attemptStarted(attempt));
        } catch (RuntimeException e) {
            LOG.warn("an attempt listener failed", e);
        }
    }

    /** The attempt in flight (if any) ended with {@code code} (null: it succeeded). */
    private void ended(String code) {
        Consumer<String> done = open.getAndSet(null);
        if (done != null) {
            try {
                done.accept(code);
            } catch (RuntimeException e) {
                LOG.warn("an attempt listener failed", e);
            }
        }
    }

    private void deadlinePassed() {
        result.completeExceptionally(client.errors().deadline(ctx, deadline.timeout(), attempts.get(), lastFailure));
    }

    private void stop() {
        Deadlines.Timer t = timer;
        if (t != null) {
            t.cancel();
        }
        Future<?> retry = pendingRetry;
        if (retry != null) {
            retry.cancel(false);
        }
        Future<?> exchange = inFlight;
        if (exchange != null) {
            exchange.cancel(true);
        }
    }
}
