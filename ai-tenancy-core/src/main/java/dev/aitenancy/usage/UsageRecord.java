package dev.aitenancy.usage;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One call of one organization, as accounted for. Texts are stored truncated and with key-shaped
 * strings masked; an API key is never part of a record.
 *
 * @param provider     null when the call failed before a model was chosen
 * @param model        null when the call failed before a model was chosen
 * @param usage        tokens; unknown parts are null
 * @param tier         the tier the call went through, or null
 * @param cost         list-price cost; unpriced when unknown
 * @param billed       what the org is billed: the tier's rates, else the list price
 * @param latency      from start to finish, or null while started
 * @param errorCode    the {@link dev.aitenancy.ErrorCode} name when status is error/canceled
 * @param finishedAt   null while started
 */
public record UsageRecord(UUID id, String orgId, String userId, String provider, String model, String feature,
        String tier, UsageStatus status, TokenUsage usage, Cost cost, Cost billed, Duration latency, String correlationId, String errorCode,
        String errorMessage, String inputText, String outputText, Instant startedAt, Instant finishedAt) {

    public UsageRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        usage = usage == null ? TokenUsage.UNKNOWN : usage;
        cost = cost == null ? Cost.unpriced() : cost;
        billed = billed == null ? cost : billed;
    }

    /** This record, finished, billed at list price. */
    public UsageRecord finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, String newErrorCode,
            String newErrorMessage, String newOutputText, Instant at) {
        return finish(newStatus, newUsage, newCost, newCost, newErrorCode, newErrorMessage, newOutputText, at);
    }

    /** This record, finished. */
    public UsageRecord finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, Cost newBilled,
            String newErrorCode, String newErrorMessage, String newOutputText, Instant at) {
        return new UsageRecord(id, orgId, userId, provider, model, feature, tier, newStatus, newUsage, newCost,
                newBilled, Duration.between(startedAt, at), correlationId, newErrorCode, newErrorMessage, inputText,
                newOutputText, startedAt, at);
    }


}
