package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderEmbeddingRequest;
import dev.aitenancy.provider.ProviderEmbeddingResponse;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.ProviderResponse;
import dev.aitenancy.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;

/**
 * One provider's wire format, and nothing else: how its requests look, how its answers, streams and
 * error bodies read. Transport, deadlines, retries and the choice of error code are the
 * {@link HttpProviderClient}'s. Implementations are stateless and thread safe.
 */
public interface WireFormat {

    /** The request for one generation, with the key; the client adds nothing but the deadline. */
    HttpRequest.Builder generate(Endpoint endpoint, ProviderRequest request, boolean stream) throws IOException;

    /**
     * Reads a successful non-streamed answer.
     *
     * @throws AnswerUnreadable when the JSON does not have the expected shape
     */
    ProviderResponse answer(JsonNode body, HttpHeaders headers, ProviderRequest request);

    /**
     * Reads a successful non-streamed answer from the body's bytes: by default the body decoded as
     * UTF-8, read into a tree and given to {@link #answer(JsonNode, HttpHeaders, ProviderRequest)}.
     *
     * @throws AnswerUnreadable when the JSON does not have the expected shape
     * @throws IOException      when the body is not JSON
     */
    default ProviderResponse answer(byte[] body, HttpHeaders headers, ProviderRequest request) throws IOException {
        return answer(Json.MAPPER.readTree(new String(body, StandardCharsets.UTF_8)), headers, request);
    }

    /** A fresh decoder for one stream of {@code request} (it may keep state). */
    StreamDecoder streamDecoder(ProviderRequest request);

    /** The cheapest request that proves a key works (one that costs no tokens). */
    HttpRequest.Builder keyCheck(Endpoint endpoint, ApiKey key);

    /** What an error body says; {@link ErrorDetails#generic} reads the common shapes. Never fails. */
    default ErrorDetails errorDetails(int status, String body) {
        return ErrorDetails.generic(body);
    }

    /**
     * The most inputs one embeddings request may carry; 0 (the default) when the provider has no
     * embeddings API, and then {@link #embed} and {@link #embeddings} are never called.
     */
    default int embeddingBatchLimit() {
        return 0;
    }

    /** The request embedding the inputs of {@code batch} (at most {@link #embeddingBatchLimit()}), with the key. */
    default HttpRequest.Builder embed(Endpoint endpoint, ProviderEmbeddingRequest batch) throws IOException {
        throw new UnsupportedOperationException("no embeddings API");
    }

    /**
     * Reads a successful embeddings answer to {@code batch}: one vector per input, in input order.
     *
     * @throws AnswerUnreadable when the JSON does not have the expected shape or the wrong number of vectors
     */
    default ProviderEmbeddingResponse embeddings(JsonNode body, HttpHeaders headers, ProviderEmbeddingRequest batch) {
        throw new UnsupportedOperationException("no embeddings API");
    }
}
