package dev.aitenancy;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One embeddings call: texts to turn into vectors for an org, through the same governance as a chat
 * call (allowlist, tiers, key, rate limits, budgets, input guardrails, one usage record). Build with
 * {@link #builder(Object, List)}; only the org and the inputs are required.
 *
 * <pre>{@code
 * EmbeddingResult r = llm.embed(EmbeddingRequest.builder(org, List.of("first text", "second text"))
 *     .feature("search").inputType("search_document").build());
 * float[] first = r.vectors().get(0);
 * }</pre>
 *
 * @param org           a {@code String} or {@code UUID} id, an {@link dev.aitenancy.tenant.OrgRef}
 *                      or a JPA entity with an {@code @Id}
 * @param inputs        the texts to embed, in order; none empty. The client splits them into the
 *                      provider's batches (OpenAI 2048, Gemini 100, Cohere 96 a request)
 * @param caller        user, groups, IP and roles of whoever makes the call
 * @param feature       the host's feature name (routing through feature preferences, accounting), or null
 * @param provider      a provider to use instead of the org's default, or null
 * @param model         an embedding model to use instead of the feature's preference or the org's
 *                      default, or null
 * @param correlationId an id to trace the call by, or null to generate one
 * @param timeout       the deadline of the provider step, every batch and retry included; null for
 *                      the provider client's {@code requestTimeout}
 * @param inputType     what the texts are for, in Cohere's words: {@code search_document},
 *                      {@code search_query}, {@code classification} or {@code clustering}; null for
 *                      the provider's default ({@code search_document} on Cohere, which requires
 *                      one). Gemini gets the matching {@code taskType}; OpenAI ignores it
 * @param dimensions    the vector length asked for, from models that can shorten their vectors
 *                      ({@code text-embedding-3-*}, {@code gemini-embedding-001}, {@code embed-v4.0}),
 *                      or null for the model's own
 */
public record EmbeddingRequest(Object org, List<String> inputs, Caller caller, String feature, ProviderId provider,
        String model, String correlationId, Duration timeout, String inputType, Integer dimensions) {

    /** Longest input type accepted. */
    public static final int MAX_INPUT_TYPE_LENGTH = 64;

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} without inputs, with an empty or
     *                                 null input, non-positive dimensions, or a recorded field over
     *                                 the limits of {@link JobRequest}
     */
    public EmbeddingRequest {
        Objects.requireNonNull(org, "org");
        if (inputs == null || inputs.isEmpty()) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "an embeddings request needs at least one input text");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == null || inputs.get(i).isEmpty()) {
                throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, "input " + (i + 1)
                        + " is empty; providers refuse empty texts, so leave it out");
            }
        }
        inputs = List.copyOf(inputs);
        caller = caller == null ? Caller.ANONYMOUS : caller;
        if (dimensions != null && dimensions <= 0) {
            throw new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null,
                    "dimensions must be > 0, was " + dimensions);
        }
        JobRequest.checkField("correlation id", correlationId, JobRequest.MAX_CORRELATION_ID_LENGTH, true);
        JobRequest.checkField("feature", feature, JobRequest.MAX_FEATURE_LENGTH, true);
        JobRequest.checkField("model", model, JobRequest.MAX_MODEL_LENGTH, true);
        JobRequest.checkField("user id", caller.userId(), JobRequest.MAX_USER_ID_LENGTH, true);
        JobRequest.checkField("input type", inputType, MAX_INPUT_TYPE_LENGTH, true);
    }

    /** A builder of a request embedding {@code inputs} for {@code org}. */
    public static Builder builder(Object org, List<String> inputs) {
        return new Builder(org, inputs);
    }

    /** {@link #builder(Object, List)} of the given texts. */
    public static Builder builder(Object org, String... inputs) {
        return new Builder(org, List.of(inputs));
    }

    @Override
    public String toString() { // inputs may be long and personal
        return "EmbeddingRequest[org=" + org + ", inputs=" + inputs.size() + ", feature=" + feature + ", provider="
                + provider + ", model=" + model + ", correlationId=" + correlationId + "]";
    }

    /** Builds an {@link EmbeddingRequest}. */
    public static final class Builder {
        private final Object org;
        private final List<String> inputs;
        private Caller caller = Caller.ANONYMOUS;
        private String feature;
        private ProviderId provider;
        private String model;
        private String correlationId;
        private Duration timeout;
        private String inputType;
        private Integer dimensions;

        private Builder(Object org, List<String> inputs) {
            this.org = org;
            this.inputs = inputs;
        }

        public Builder caller(Caller c) {
            this.caller = c;
            return this;
        }

        /** Shorthand for a caller that is only a user id. */
        public Builder user(String userId) {
            this.caller = Caller.user(userId);
            return this;
        }

        public Builder feature(String name) {
            this.feature = name;
            return this;
        }

        public Builder provider(ProviderId p) {
            this.provider = p;
            return this;
        }

        public Builder provider(String name) {
            this.provider = name == null ? null : ProviderId.of(name);
            return this;
        }

        public Builder model(String m) {
            this.model = m;
            return this;
        }

        public Builder correlationId(String id) {
            this.correlationId = id;
            return this;
        }

        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /** {@code search_document}, {@code search_query}, {@code classification} or {@code clustering}. */
        public Builder inputType(String type) {
            this.inputType = type;
            return this;
        }

        public Builder dimensions(Integer n) {
            this.dimensions = n;
            return this;
        }

        public EmbeddingRequest build() {
            return new EmbeddingRequest(org, inputs, caller, feature, provider, model, correlationId, timeout,
                    inputType, dimensions);
        }
    }
}
