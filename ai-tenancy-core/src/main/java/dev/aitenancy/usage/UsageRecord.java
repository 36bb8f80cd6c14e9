package dev.aitenancy.usage;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.tenant.Caller;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One call of one organization, as accounted for. Texts are stored truncated and with key-shaped
 * strings masked; an API key is never part of a record.
 *
 * @param groupId      the caller's groups: their ids sorted and joined by {@code ','} (see
 *                     {@link #groupIdOf(Caller)}), or null when the caller named none
 * @param provider     null when the call failed before a model was chosen
 * @param model        null when the call failed before a model was chosen
 * @param usage        tokens; unknown parts are null
 * @param tier         the tier the call went through, or null
 * @param cost         list-price cost; unpriced when unknown
 * @param billed       what the org is billed: the tier's rates, else the list price
 * @param latency      from start to finish, or null while started
 * @param errorCode    the {@link dev.aitenancy.ErrorCode} name when status is error/canceled
 * @param guardrails   what guardrails did to the call, one {@code action:kind:name} entry per
 *                     outcome joined by {@code "; "} (e.g. {@code warn:content-filter:pii;
 *                     modify:output-modifier:disclaimer}), or null when none acted
 * @param toolCalls    the names of the tools the model asked to call, in order, joined by
 *                     {@code ','} (arguments only ever in {@code outputText}, when the org stores
 *                     text), or null when it asked for none
 * @param finishedAt   null while started
 * @param operation    what the call was: {@code chat} (also for records written before this field)
 *                     or {@code embeddings}
 * @param preferences  which AI preferences shaped the call, each part with the level it came from as
 *                     {@link dev.aitenancy.preferences.EffectivePreferences#applied()} writes it, e.g.
 *                     {@code tone:org,model:user}, or null when none applied
 * @param responseModel the model id the provider says answered (e.g. with a date suffix,
 *                     {@code gpt-4.1-mini-2025-04-14}), or null when it did not say or never answered
 */
public record UsageRecord(UUID id, String orgId, String userId, String groupId, String provider, String model,
        String feature, String tier, UsageStatus status, TokenUsage usage, Cost cost, Cost billed, Duration latency,
        String correlationId, String errorCode, String errorMessage, String guardrails, String inputText,
        String outputText, Instant startedAt, Instant finishedAt, String toolCalls, String operation,
        String preferences, String responseModel) {

    public UsageRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        usage = usage == null ? TokenUsage.UNKNOWN : usage;
        cost = cost == null ? Cost.unpriced() : cost;
        billed = billed == null ? cost : billed;
        groupId = groupId == null || groupId.isEmpty() ? null : groupId;
        guardrails = guardrails == null || guardrails.isEmpty() ? null : guardrails;
        toolCalls = toolCalls == null || toolCalls.isEmpty() ? null : toolCalls;
        operation = operation == null || operation.isEmpty() ? CHAT : operation;
        preferences = preferences == null || preferences.isEmpty() ? null : preferences;
    }

    /** {@link #operation()} of a chat (text generation) call. */
    public static final String CHAT = "chat";
    /** {@link #operation()} of an embeddings call. */
    public static final String EMBEDDINGS = "embeddings";

    /** A record without group and guardrails (they can be added with {@link #withGroupId} and {@link #withGuardrails}). */
    public UsageRecord(UUID id, String orgId, String userId, String provider, String model, String feature,
            String tier, UsageStatus status, TokenUsage usage, Cost cost, Cost billed, Duration latency,
            String correlationId, String errorCode, String errorMessage, String inputText, String outputText,
            Instant startedAt, Instant finishedAt) {
        this(id, orgId, userId, null, provider, model, feature, tier, status, usage, cost, billed, latency,
                correlationId, errorCode, errorMessage, null, inputText, outputText, startedAt, finishedAt, null, null, null, null);
    }

    /**
     * How a caller's groups are recorded: their ids sorted and joined by {@code ','}
     * ({@code "sales,support"}), or null when there are none. A group id should not contain a comma.
     */
    public static String groupIdOf(Caller caller) {
        if (caller == null || caller.groupIds().isEmpty()) {
            return null;
        }
        return String.join(",", new java.util.TreeSet<>(caller.groupIds()));
    }

    /** A record of the call {@code id} of {@code orgId} that started at {@code startedAt}; status {@code started}. */
    public static Builder builder(UUID id, String orgId, Instant startedAt) {
        return new Builder(id, orgId, startedAt);
    }

    /** A builder holding every part of this record, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder(id, orgId, startedAt);
        b.userId = userId;
        b.groupId = groupId;
        b.provider = provider;
        b.model = model;
        b.feature = feature;
        b.tier = tier;
        b.status = status;
        b.usage = usage;
        b.cost = cost;
        b.billed = billed;
        b.latency = latency;
        b.correlationId = correlationId;
        b.errorCode = errorCode;
        b.errorMessage = errorMessage;
        b.guardrails = guardrails;
        b.inputText = inputText;
        b.outputText = outputText;
        b.finishedAt = finishedAt;
        b.toolCalls = toolCalls;
        b.operation = operation;
        b.preferences = preferences;
        b.responseModel = responseModel;
        return b;
    }

    /** This record, finished, billed at list price. */
    public UsageRecord finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, String newErrorCode,
            String newErrorMessage, String newOutputText, Instant at) {
        return finish(newStatus, newUsage, newCost, newCost, newErrorCode, newErrorMessage, newOutputText, at);
    }

    /** This record, finished. */
    public UsageRecord finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, Cost newBilled,
            String newErrorCode, String newErrorMessage, String newOutputText, Instant at) {
        return toBuilder().finish(newStatus, newUsage, newCost, newBilled, newErrorCode, newErrorMessage,
                newOutputText, at).build();
    }

    /** This record with the caller's groups as {@link #groupIdOf(Caller)} writes them. */
    public UsageRecord withGroupId(String newGroupId) {
        return toBuilder().groupId(newGroupId).build();
    }

    /** This record with a summary of guardrail outcomes, or null for none. */
    public UsageRecord withGuardrails(String newGuardrails) {
        return toBuilder().guardrails(newGuardrails).build();
    }

    /** This record with the names of the tools the model asked for ({@link #toolCalls()}), or null for none. */
    public UsageRecord withToolCalls(String newToolCalls) {
        return toBuilder().toolCalls(newToolCalls).build();
    }

    /** This record with the model id the provider says answered, or null. */
    public UsageRecord withResponseModel(String model) {
        return toBuilder().responseModel(model).build();
    }

    /** This record without its stored input and output text (for orgs that store none). */
    public UsageRecord withoutText() {
        return toBuilder().inputText(null).outputText(null).build();
    }

    /** Builds a {@link UsageRecord}; every part not set is empty (null, unknown tokens, unpriced). */
    public static final class Builder {
        private final UUID id;
        private final String orgId;
        private final Instant startedAt;
        private String userId;
        private String groupId;
        private String provider;
        private String model;
        private String feature;
        private String tier;
        private UsageStatus status = UsageStatus.STARTED;
        private TokenUsage usage;
        private Cost cost;
        private Cost billed;
        private Duration latency;
        private String correlationId;
        private String errorCode;
        private String errorMessage;
        private String guardrails;
        private String inputText;
        private String outputText;
        private Instant finishedAt;
        private String toolCalls;
        private String operation;
        private String preferences;
        private String responseModel;

        private Builder(UUID id, String orgId, Instant startedAt) {
            this.id = id;
            this.orgId = orgId;
            this.startedAt = startedAt;
        }

        public Builder userId(String v) {
            this.userId = v;
            return this;
        }

        /** The caller's groups as {@link UsageRecord#groupIdOf(Caller)} writes them. */
        public Builder groupId(String v) {
            this.groupId = v;
            return this;
        }

        public Builder provider(String v) {
            this.provider = v;
            return this;
        }

        public Builder model(String v) {
            this.model = v;
            return this;
        }

        public Builder feature(String v) {
            this.feature = v;
            return this;
        }

        public Builder tier(String v) {
            this.tier = v;
            return this;
        }

        public Builder status(UsageStatus v) {
            this.status = v;
            return this;
        }

        public Builder usage(TokenUsage v) {
            this.usage = v;
            return this;
        }

        /** The list-price cost (also what is billed unless {@link #billed} says otherwise). */
        public Builder cost(Cost v) {
            this.cost = v;
            return this;
        }

        public Builder billed(Cost v) {
            this.billed = v;
            return this;
        }

        public Builder latency(Duration v) {
            this.latency = v;
            return this;
        }

        public Builder correlationId(String v) {
            this.correlationId = v;
            return this;
        }

        /** The {@link dev.aitenancy.ErrorCode} name and message of a failed call. */
        public Builder error(String code, String message) {
            this.errorCode = code;
            this.errorMessage = message;
            return this;
        }

        public Builder guardrails(String v) {
            this.guardrails = v;
            return this;
        }

        public Builder inputText(String v) {
            this.inputText = v;
            return this;
        }

        public Builder outputText(String v) {
            this.outputText = v;
            return this;
        }

        /** The names of the tools the model asked to call, joined by {@code ','}. */
        public Builder toolCalls(String v) {
            this.toolCalls = v;
            return this;
        }

        /** {@link UsageRecord#CHAT} (the default) or {@link UsageRecord#EMBEDDINGS}. */
        public Builder operation(String v) {
            this.operation = v;
            return this;
        }

        /** Which AI preferences shaped the call, e.g. {@code tone:org,model:user} ({@code EffectivePreferences.applied()}). */
        public Builder preferences(String v) {
            this.preferences = v;
            return this;
        }

        /** The model id the provider says answered. */
        public Builder responseModel(String v) {
            this.responseModel = v;
            return this;
        }

        public Builder finishedAt(Instant v) {
            this.finishedAt = v;
            return this;
        }

        /**
         * The call's outcome, as {@link UsageRecord#finish} sets it: status, tokens, cost, billed
         * amount, error, output text, when it finished and its latency since it started.
         */
        public Builder finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, Cost newBilled,
                String newErrorCode, String newErrorMessage, String newOutputText, Instant at) {
            return status(newStatus).usage(newUsage).cost(newCost).billed(newBilled).error(newErrorCode, newErrorMessage)
                    .outputText(newOutputText).finishedAt(at).latency(Duration.between(startedAt, at));
        }

        public UsageRecord build() {
            return new UsageRecord(id, orgId, userId, groupId, provider, model, feature, tier, status, usage, cost,
                    billed, latency, correlationId, errorCode, errorMessage, guardrails, inputText, outputText,
                    startedAt, finishedAt, toolCalls, operation, preferences, responseModel);
        }
    }
}
