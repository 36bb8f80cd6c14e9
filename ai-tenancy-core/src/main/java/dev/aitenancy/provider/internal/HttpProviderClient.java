package dev.aitenancy.provider.internal;

import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The one {@link ProviderClient} implementation: a {@link WireFormat} for what is particular to a
 * provider, composed with the parts every provider shares —
 * {@link Attempts} (one call and its retries inside one {@link Deadline}), {@link RetryDecision},
 * {@link ErrorClassifier} (the {@link Situation} table) and {@link StreamExchange} (SSE).
 *
 * <p>A call's timeout ({@link ProviderRequest#timeout()}, else the settings' request timeout) is
 * its deadline, retries and backoff included. A stream's timeout is the deadline for its first
 * token, and after that the longest silence allowed between two events.
 *
 * <p>Threads: each attempt is a blocking {@code HttpClient.send} on the settings' executor, else
 * {@link ProviderThreads#calls()}; never {@code sendAsync}, whose completions start a thread each
 * on a machine with 1–2 CPUs (see {@link ProviderThreads}).
 */
public final class HttpProviderClient implements ProviderClient {

    private final ProviderId id;
    private final ProviderSettings settings;
    private final WireFormat format;
    private final Endpoint endpoint;
    private final HttpClient http;
    private final Executor executor;
    private final RetryDecision retries;
    private final ErrorClassifier errors;

    /**
     * @throws IllegalArgumentException when the settings' base URL is not a usable http(s) URL
     */
    public HttpProviderClient(ProviderId id, ProviderSettings settings, WireFormat format) {
        this.id = Objects.requireNonNull(id, "id");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.format = Objects.requireNonNull(format, "format");
        this.endpoint = new Endpoint(settings.baseUri(), settings.headers());
        this.http = settings.httpClient() != null
                ? settings.httpClient()
                : HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).executor(ProviderThreads.http())
                        .build();
        this.executor = settings.executor() != null ? settings.executor() : ProviderThreads.calls();
        this.retries = new RetryDecision(settings.retryPolicy());
        this.errors = new ErrorClassifier(format);
    }

    @Override
    public ProviderId id() {
        return id;
    }

    /** The base URL requests go to, after normalization (see {@link Endpoint}). */
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public CompletableFuture<ProviderResponse> call(ProviderRequest request) {
        return new Attempts<>(this, () -> format.generate(endpoint, request, false), context(request),
                Deadline.after(timeout(request)),
                response -> format.answer(response.body(), response.headers(), request),
                request.attempts()).start();
    }

    /**
     * Embeds through the wire format's embeddings API, in batches of its
     * {@link WireFormat#embeddingBatchLimit()} sent one after another inside one deadline (see
     * {@link EmbeddingBatches}); a format without one fails at once with {@code AI_CONFIG_INVALID}.
     */
    @Override
    public CompletableFuture<ProviderEmbeddingResponse> embed(ProviderEmbeddingRequest request) {
        int limit = format.embeddingBatchLimit();
        if (limit <= 0) {
            return CompletableFuture.failedFuture(ProviderClient.noEmbeddings(id, request.orgId()));
        }
        Duration timeout = request.timeout() != null ? request.timeout() : settings.requestTimeout();
        return new EmbeddingBatches(this, request, new ErrorClassifier.Context(id, request.orgId(), request.model(),
                request.apiKey()), Deadline.after(timeout), limit).start();
    }

    @Override
    public CompletableFuture<Void> verify(ApiKey key) {
        return new Attempts<Void>(this, () -> format.keyCheck(endpoint, key),
                new ErrorClassifier.Context(id, null, null, key), Deadline.after(settings.requestTimeout()),
                response -> null).start();
    }

    @Override
    public ProviderStream stream(ProviderRequest request, ProviderStreamListener listener) {
        StreamExchange exchange = new StreamExchange(this, request, listener, context(request),
                Deadline.after(timeout(request)));
        exchange.start();
        return exchange;
    }

    @Override
    public String toString() {
        return "ProviderClient[" + id + " at " + endpoint.base() + "]";
    }

    // ---- for the parts -------------------------------------------------------------------------

    WireFormat format() {
        return format;
    }

    HttpClient http() {
        return http;
    }

    /**
     * Runs the blocking {@code io} of one attempt on the executor — or on this thread when it is a
     * blocking call's ({@link CallerRuns}) — then {@code then} with its result or failure, on the
     * same thread (a stream's attempt never runs on the caller's: {@code mayRunOnCaller} false).
     * {@code started} gets the attempt's future before the I/O begins. Canceling that
     * future (with interrupt) aborts the I/O while it is under way (the JDK's {@code send} cancels
     * its exchange when interrupted) and skips {@code then}; once the I/O has finished, a cancel does
     * nothing, so {@code then} and whatever it completes never run interrupted. When the caller's
     * own thread is interrupted during an attempt run on it, {@code then} is skipped and the
     * interrupt kept, so the blocking call cancels as it would while waiting.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the executor refuses it
     */
    <R> void run(Callable<R> io, BiConsumer<R, Throwable> then, Consumer<Future<?>> started,
            boolean mayRunOnCaller) {
        FutureTask<R> task = new FutureTask<>(io);
        started.accept(task);
        if (mayRunOnCaller && CallerRuns.active()) {
            complete(task, then, true);
        } else {
            executor.execute(() -> complete(task, then, false));
        }
    }

    private static <R> void complete(FutureTask<R> task, BiConsumer<R, Throwable> then, boolean onCaller) {
        task.run();
        if (task.isCancelled()) {
            Thread.interrupted(); // the cancel's interrupt, not to leak into the thread's next work
            return;
        }
        R value;
        try {
            value = task.get();
        } catch (ExecutionException e) {
            if (onCaller && e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt(); // the caller's own interrupt: its wait cancels the call
                return;
            }
            then.accept(null, e.getCause());
            return;
        } catch (InterruptedException | CancellationException e) {
            Thread.interrupted();
            return;
        }
        then.accept(value, null);
    }

    RetryDecision retries() {
        return retries;
    }

    ErrorClassifier errors() {
        return errors;
    }

    private ErrorClassifier.Context context(ProviderRequest request) {
        return new ErrorClassifier.Context(id, request.orgId(), request.model(), request.apiKey());
    }

    private Duration timeout(ProviderRequest request) {
        return request.timeout() != null ? request.timeout() : settings.requestTimeout();
    }
}
