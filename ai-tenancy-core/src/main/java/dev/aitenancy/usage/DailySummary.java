package dev.aitenancy.usage;

import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * One org's usage on one UTC day for one provider, model and user. {@code provider}, {@code model}
 * and {@code userId} are empty strings where the records had none (calls refused before a model
 * was chosen, calls without a user). Token and money sums count known values only.
 */
public record DailySummary(OrgId org, LocalDate day, String provider, String model, String userId, long requests,
        long errors, long inputTokens, long outputTokens, BigDecimal costUsd, BigDecimal billedUsd) {
}
