package dev.aitenancy;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The little that changes while one call runs, each part with its own guard: the position in the
 * fallback chain, the key that goes with it and the provider step's deadline (this object's lock),
 * whether a provider was called and the attempt in flight (volatile), and whether the call is
 * settled (set once).
 */
final class CallProgress {

    private final Admission admission;
    private int fallbackIndex = -1;
    private ApiKey key;
    private volatile boolean providerCalled;
    private volatile CompletableFuture<ProviderResponse> inFlight;
    private final AtomicBoolean settled = new AtomicBoolean();
    /** When the request's timeout runs out ({@code System.nanoTime()}), from the first provider request; or null. */
    private Long providerDeadline;

    CallProgress(Admission admission) {
        this.admission = admission;
        this.key = admission.key();
    }

    /** The model being called: the primary, or the fallback the call moved to. */
    synchronized ResolvedModel currentModel() {
        ResolvedModel primary = admission.model();
        return fallbackIndex < 0 || primary == null ? primary : primary.fallbacks().get(fallbackIndex);
    }

    synchronized ApiKey key() {
        return key;
    }

    /** The next fallback position to try, or -1 when the chain is used up. */
    synchronized int nextFallback() {
        ResolvedModel primary = admission.model();
        return primary != null && fallbackIndex + 1 < primary.fallbacks().size() ? fallbackIndex + 1 : -1;
    }

    /** Moves to fallback {@code index}, calling it with {@code nextKey} (null: skip it, no key). */
    synchronized void moveTo(int index, ApiKey nextKey) {
        fallbackIndex = index;
        if (nextKey != null) {
            key = nextKey;
        }
    }

    /** What is left of {@code timeout}, one deadline for the provider step from its first request, fallbacks included. */
    synchronized Duration remainingOf(Duration timeout) {
        long now = System.nanoTime();
        if (providerDeadline == null) {
            providerDeadline = now + timeout.toNanos();
        }
        return Duration.ofNanos(Math.max(0, providerDeadline - now));
    }

    synchronized boolean deadlinePassed() {
        return providerDeadline != null && providerDeadline - System.nanoTime() <= 0;
    }

    void providerCalled() {
        providerCalled = true;
    }

    boolean wasProviderCalled() {
        return providerCalled;
    }

    void inFlight(CompletableFuture<ProviderResponse> attempt) {
        inFlight = attempt;
    }

    /** Cancels the provider attempt in flight, if any. */
    void cancelInFlight() {
        CompletableFuture<ProviderResponse> attempt = inFlight;
        if (attempt != null) {
            attempt.cancel(true);
        }
    }

    /** True exactly once: the caller writes the call's one finished record. */
    boolean settleOnce() {
        return settled.compareAndSet(false, true);
    }

    boolean isSettled() {
        return settled.get();
    }
}
