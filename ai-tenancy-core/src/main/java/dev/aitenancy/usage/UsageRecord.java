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
 * @param finishedAt   null while started
 */
public record UsageRecord(UUID id, String orgId, String userId, String groupId, String provider, String model,
        String feature, String tier, UsageStatus status, TokenUsage usage, Cost cost, Cost billed, Duration latency,
        String correlationId, String errorCode, String errorMessage, String guardrails, String inputText,
        String outputText, Instant startedAt, Instant finishedAt) {

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
    }

    /** A record without group and guardrails (they can be added with {@link #withGroupId} and {@link #withGuardrails}). */
    public UsageRecord(UUID id, String orgId, String userId, String provider, String model, String feature,
            String tier, UsageStatus status, TokenUsage usage, Cost cost, Cost billed, Duration latency,
            String correlationId, String errorCode, String errorMessage, String inputText, String outputText,
            Instant startedAt, Instant finishedAt) {
        this(id, orgId, userId, null, provider, model, feature, tier, status, usage, cost, billed, latency,
                correlationId, errorCode, errorMessage, null, inputText, outputText, startedAt, finishedAt);
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

    /** This record, finished, billed at list price. */
    public UsageRecord finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, String newErrorCode,
            String newErrorMessage, String newOutputText, Instant at) {
        return finish(newStatus, newUsage, newCost, newCost, newErrorCode, newErrorMessage, newOutputText, at);
    }

    /** This record, finished. */
    public UsageRecord finish(UsageStatus newStatus, TokenUsage newUsage, Cost newCost, Cost newBilled,
            String newErrorCode, String newErrorMessage, String newOutputText, Instant at) {
        return new UsageRecord(id, orgId, userId, groupId, provider, model, feature, tier, newStatus, newUsage,
                newCost, newBilled, Duration.between(startedAt, at), correlationId, newErrorCode, newErrorMessage,
                guardrails, inputText, newOutputText, startedAt, at);
    }

    /** This record with the caller's groups as {@link #groupIdOf(Caller)} writes them. */
    public UsageRecord withGroupId(String newGroupId) {
        return new UsageRecord(id, orgId, userId, newGroupId, provider, model, feature, tier, status, usage, cost,
                billed, latency, correlationId, errorCode, errorMessage, guardrails, inputText, outputText, startedAt,
                finishedAt);
    }

    /** This record with a summary of guardrail outcomes, or null for none. */
    public UsageRecord withGuardrails(String newGuardrails) {
        return new UsageRecord(id, orgId, userId, groupId, provider, model, feature, tier, status, usage, cost,
                billed, latency, correlationId, errorCode, errorMessage, newGuardrails, inputText, outputText,
                startedAt, finishedAt);
    }

    /** This record without its stored input and output text (for orgs that store none). */
    public UsageRecord withoutText() {
        return new UsageRecord(id, orgId, userId, groupId, provider, model, feature, tier, status, usage, cost,
                billed, latency, correlationId, errorCode, errorMessage, guardrails, null, null, startedAt,
                finishedAt);
    }
}
