package dev.aitenancy.models;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Objects;

/**
 * The model a call will use, with its output cap already clamped, its registry entry (if known),
 * the tier the caller uses it through (null when the org is not on tiers) and the org's fallback
 * chain for it (tried in order, only when configured).
 */
public record ResolvedModel(ModelRef ref, int maxOutputTokens, ModelSpec spec, Tier tier,
        List<ResolvedModel> fallbacks) {

    public ResolvedModel {
        Objects.requireNonNull(ref, "ref");
        if (maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    }

    /**
     * What the org is billed for {@code usage}: the tier's rates when it has them, else the list
     * price {@code cost}. Unknown tokens leave it unpriced.
     */
    public Cost billed(TokenUsage usage, Cost cost) {
        if (tier == null || tier.inputRatePer1M() == null || tier.outputRatePer1M() == null) {
            return cost;
        }
        if (usage == null || !usage.isKnown()) {
            return Cost.unpriced();
        }
        return Cost.usd(tier.inputRatePer1M().multiply(BigDecimal.valueOf(usage.inputTokens()))
                .add(tier.outputRatePer1M().multiply(BigDecimal.valueOf(usage.outputTokens())))
                .divide(BigDecimal.valueOf(1_000_000), MathContext.DECIMAL64).stripTrailingZeros());
    }
}
