package dev.aitenancy;

import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.provider.ProviderStream;
import dev.aitenancy.provider.ProviderStreamListener;
import dev.aitenancy.tenant.OrgId;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streamed call: relays provider events to the handler and settles exactly once. Its state is
 * guarded by this object's lock; the provider stream is canceled outside it (the stream delivers
 * events holding its own lock, then takes ours).
 */
final class StreamCall implements StreamHandle, ProviderStreamListener {

    private static final Logger LOG = LoggerFactory.getLogger(LLMJob.class);

    private final ProviderCalls calls;
    private final CallRecords records;
    private final Consumer<? super JobEvent> handler;
    private final CompletableFuture<JobResult> completion = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final OrgId org;
    private CanceledException canceledEarly;
    private Admission admission;
    private CallProgress progress;
    private ProviderStream providerStream;
    private TokenUsage seenUsage = TokenUsage.UNKNOWN;
    private long deltas;
    private boolean ended;

    /** @param org the call's org, or null when the request named no usable one (then it is refused at once) */
    StreamCall(ProviderCalls calls, CallRecords records, Consumer<? super JobEvent> handler, OrgId org) {
        this.calls = calls;
        this.records = records;
        this.handler = handler;
        this.org = org;
    }

    /**
     * The admitted call this stream relays; set once, before {@link #start}. False when the stream
     * was canceled while it was admitted: the call is then recorded as canceled here.
     */
    boolean admitted(Admission a, CallProgress p) {
        synchronized (this) {
            if (!ended) {
                this.admission = a;
                this.progress = p;
                return true;
            }
        }
        try {
            records.canceled(a, p, TokenUsage.UNKNOWN, null);
        } finally {
            completion.completeExceptionally(canceledEarly);
        }
        return false;
    }

    synchronized void start() {
        if (ended) {
            return;
        }
        try {
            progress.providerCalled();
            providerStream = calls.client(admission.org(), progress.currentModel().ref().provider())
                    .stream(calls.request(admission, progress), this);
        } catch (RuntimeException e) {
            onFailure(CallFailures.asAiException(e));
        }
    }

    @Override
    public void onToken(String piece) {
        GuardrailBlockedException blocked;
        synchronized (this) {
            if (ended) {
                return;
            }
            deltas++;
            text.append(piece);
            var guards = admission.guards();
            blocked = guards.blocksOutput() ? guards.blockedSoFar(text.toString()) : null;
            if (blocked == null) {
                String prefix = guards.prefix();
                if (deltas == 1 && !prefix.isEmpty()) {
                    emit(new JobEvent.Token(prefix));
                }
                if (!ended) { // a handler that threw on the prefix canceled the stream
                    emit(new JobEvent.Token(piece));
                }
                return;
            }
            // the piece that completed a blocked match is not passed on, nor is anything after it
            ended = true;
            records.failed(admission, progress, blocked, seenUsage.orElse(new TokenUsage(null, deltas, null)), null);
            emitQuietly(new JobEvent.Error(blocked));
            providerStream.cancel();
        }
        completion.completeExceptionally(blocked);
    }

    @Override
    public synchronized void onUsage(TokenUsage reported) {
        if (ended) {
            return;
        }
        seenUsage = reported;
        emit(new JobEvent.Usage(reported));
    }

    @Override
    public void onComplete(ProviderResponse response) {
        JobResult result;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            try {
                result = records.answered(admission, progress, response);
            } catch (RuntimeException | Error failure) {
                AiTenancyException e = CallFailures.asAiException(failure);
                e.attachOrg(admission.org().value());
                emitQuietly(new JobEvent.Error(e));
                completion.completeExceptionally(e);
                return;
            }
            String prefix = admission.guards().prefix();
            String suffix = admission.guards().suffix();
            if (deltas == 0 && !prefix.isEmpty()) {
                emitQuietly(new JobEvent.Token(prefix));
            }
            if (!suffix.isEmpty()) {
                emitQuietly(new JobEvent.Token(suffix));
            }
            emitQuietly(new JobEvent.Done(result));
        }
        completion.complete(result);
    }

    @Override
    public void onError(ProviderException error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            if (deltas == 0 && calls.advanceToFallback(admission, progress, error)) {
                start();
                return;
            }
        }
        onFailure(error);
    }

    void onFailure(AiTenancyException error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            records.failed(admission, progress, error,
                    seenUsage.orElse(deltas > 0 ? new TokenUsage(null, deltas, null) : TokenUsage.UNKNOWN),
                    text.length() > 0 ? text.toString() : null);
            emitQuietly(new JobEvent.Error(error));
        }
        completion.completeExceptionally(error);
    }

    /** Fails a call refused before the provider was called. */
    synchronized void refused(AiTenancyException error) {
        if (ended) { // canceled while it was admitted: the refusal is recorded, the cancel was told
            completion.completeExceptionally(canceledEarly);
            return;
        }
        ended = true;
        emitQuietly(new JobEvent.Error(error));
        completion.completeExceptionally(error);
    }

    @Override
    public boolean cancel() {
        CanceledException canceled;
        ProviderStream running;
        synchronized (this) {
            if (ended) {
                return false;
            }
            ended = true;
            running = providerStream;
            if (admission == null) { // still being admitted: recorded, and completed, once that ends
                canceledEarly = new CanceledException(ErrorCode.AI_CANCELED, org == null ? null : org.value(),
                        "the stream was canceled before it was admitted");
                emitQuietly(new JobEvent.Error(canceledEarly));
                return true;
            }
            records.canceled(admission, progress, seenUsage.orElse(new TokenUsage(null, deltas, null)),
                    text.toString());
            canceled = new CanceledException(ErrorCode.AI_CANCELED, admission.org().value(),
                    "the stream was canceled after " + deltas + " tokens");
            emitQuietly(new JobEvent.Error(canceled));
        }
        // outside this lock: the provider stream delivers events holding its own lock, then ours
        if (running != null) {
            running.cancel();
        }
        completion.completeExceptionally(canceled);
        return true;
    }

    @Override
    public CompletableFuture<JobResult> completion() {
        return completion;
    }

    /** Delivers a non-terminal event; a handler that throws cancels the stream. */
    private void emit(JobEvent event) {
        try {
            handler.accept(event);
        } catch (RuntimeException | Error e) { // the host's handler must not hang the stream
            LOG.warn("the stream handler threw {}; canceling the stream", e.getClass().getName());
            cancel();
        }
    }

    private void emitQuietly(JobEvent event) {
        try {
            handler.accept(event);
        } catch (RuntimeException | Error e) {
            LOG.warn("the stream handler threw {} on {}", e.getClass().getName(), event.getClass().getSimpleName());
        }
    }
}
