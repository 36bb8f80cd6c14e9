package dev.aitenancy.provider.internal;

import dev.aitenancy.ProviderException;
import dev.aitenancy.internal.Json;
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One embeddings call: its inputs cut into the provider's batches, sent one after another inside
 * the call's one {@link Deadline} (each batch with its own retries, as {@link Attempts} makes
 * them), the vectors joined in input order and the tokens summed. Canceling the result cancels the
 * batch in flight; no later batch starts.
 *
 * <p>A batch that fails after earlier ones were answered fails the call with the same code but no
 * HTTP status: the answered batches were billed by the provider, so the call's tokens are unknown
 * (as for a stream cut after its first tokens), not nothing.
 */
final class EmbeddingBatches {

    private final HttpProviderClient client;
    private final ProviderEmbeddingRequest request;
    private final ErrorClassifier.Context ctx;
    private final Deadline deadline;
    private final List<List<String>> batches = new ArrayList<>();
    private final List<float[]> vectors = new ArrayList<>();
    private final CompletableFuture<ProviderEmbeddingResponse> result = new CompletableFuture<>();
    private Long tokens = 0L;
    private boolean estimated;
    private String providerModel;
    private volatile CompletableFuture<ProviderEmbeddingResponse> inFlight;

    EmbeddingBatches(HttpProviderClient client, ProviderEmbeddingRequest request, ErrorClassifier.Context ctx,
            Deadline deadline, int limit) {
        this.client = client;
        this.request = request;
        this.ctx = ctx;
        this.deadline = deadline;
        List<String> inputs = request.inputs();
        for (int from = 0; from < inputs.size(); from += limit) {
            batches.add(inputs.subList(from, Math.min(inputs.size(), from + limit)));
        }
    }

    CompletableFuture<ProviderEmbeddingResponse> start() {
        result.whenComplete((r, e) -> {
            CompletableFuture<ProviderEmbeddingResponse> batch = inFlight;
            if (batch != null && result.isCancelled()) {
                batch.cancel(true);
            }
        });
        send(0);
        return result;
    }

    private void send(int index) {
        if (result.isDone()) {
            return;
        }
        ProviderEmbeddingRequest batch = request.withInputs(batches.get(index));
        WireFormat format = client.format();
        CompletableFuture<ProviderEmbeddingResponse> attempt = new Attempts<>(client,
                () -> format.embed(client.endpoint(), batch), ctx, deadline,
                response -> format.embeddings(Json.MAPPER.readTree(Attempts.text(response)), response.headers(), batch))
                .start();
        inFlight = attempt;
        if (result.isCancelled()) {
            attempt.cancel(true);
        }
        attempt.whenComplete((answer, failure) -> {
            if (failure != null) {
                result.completeExceptionally(index == 0 ? failure : afterBilledBatches(failure, index));
                return;
            }
            vectors.addAll(answer.vectors());
            tokens = tokens == null || answer.inputTokens() == null ? null : tokens + answer.inputTokens();
            estimated |= answer.tokensEstimated();
            providerModel = providerModel != null ? providerModel : answer.providerModel();
            if (index + 1 < batches.size()) {
                send(index + 1);
            } else {
                result.complete(new ProviderEmbeddingResponse(vectors, tokens, estimated, providerModel));
            }
        });
    }

    private Throwable afterBilledBatches(Throwable failure, int answered) {
        if (!(failure instanceof ProviderException pe)) {
            return failure;
        }
        ProviderException e = ProviderException.builder(pe.code(), pe.getMessage() + " (batch " + (answered + 1)
                        + " of " + batches.size() + "; the " + answered + " answered before were billed)")
                .org(pe.orgId()).provider(pe.provider()).providerCode(pe.providerCode().orElse(null))
                .retryAfter(pe.retryAfter().orElse(null)).cause(pe).build();
        return e;
    }
}
