package dev.aitenancy.models;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Objects;

/**
 * What the registry knows of a model: its limits and list prices in USD per million tokens. A
 * {@code null} price is <em>unknown</em>; costs computed with it are unpriced, never zero.
 *
 * @param contextWindow          input tokens the model accepts, or null
 * @param maxOutputTokens        the model's output cap, or null
 * @param inputPricePer1M        USD per 1M input tokens, or null
 * @param outputPricePer1M       USD per 1M output tokens, or null
 * @param cachedInputPricePer1M  USD per 1M cached input tokens, or null (then the input price applies)
 * @param kind                   what the model does; null is {@link ModelKind#CHAT}. For an
 *                               {@link ModelKind#EMBEDDING} model {@code contextWindow} is the most
 *                               input tokens of one input, and the output price is 0
 */
public record ModelSpec(ModelRef ref, Integer contextWindow, Integer maxOutputTokens, BigDecimal inputPricePer1M,
        BigDecimal outputPricePer1M, BigDecimal cachedInputPricePer1M, ModelKind kind) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public ModelSpec {
        Objects.requireNonNull(ref, "ref");
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be > 0");
        }
        kind = kind == null ? ModelKind.CHAT : kind;
    }

    /** A {@link ModelKind#CHAT} model. */
    public ModelSpec(ModelRef ref, Integer contextWindow, Integer maxOutputTokens, BigDecimal inputPricePer1M,
            BigDecimal outputPricePer1M, BigDecimal cachedInputPricePer1M) {
        this(ref, contextWindow, maxOutputTokens, inputPricePer1M, outputPricePer1M, cachedInputPricePer1M,
                ModelKind.CHAT);
    }

    /**
     * An {@link ModelKind#EMBEDDING} model: {@code maxInputTokens} per input (or null) and its input
     * price in USD per 1M tokens (or null: unpriced); output is free.
     */
    public static ModelSpec embedding(ModelRef ref, Integer maxInputTokens, BigDecimal inputPricePer1M) {
        return new ModelSpec(ref, maxInputTokens, null, inputPricePer1M, inputPricePer1M == null ? null
                : BigDecimal.ZERO, null, ModelKind.EMBEDDING);
    }

    /** Whether this is an {@link ModelKind#EMBEDDING} model. */
    public boolean isEmbedding() {
        return kind == ModelKind.EMBEDDING;
    }

    /** A model with known limits and no known price. */
    public static ModelSpec unpriced(ModelRef ref, Integer contextWindow, Integer maxOutputTokens) {
        return new ModelSpec(ref, contextWindow, maxOutputTokens, null, null, null);
    }

    /** Whether input and output prices are known. */
    public boolean isPriced() {
        return inputPricePer1M != null && outputPricePer1M != null;
    }

    /**
     * The list-price cost of {@code usage}: uncached input at the input price, cached input at the
     * cached price (or the input price), output at the output price. Unpriced when a price or a
     * token count is unknown.
     */
    public Cost cost(TokenUsage usage) {
        if (!isPriced() || usage == null || !usage.isKnown()) {
            return Cost.unpriced();
        }
        long cached = usage.cachedInputTokens() == null ? 0 : Math.min(usage.cachedInputTokens(), usage.inputTokens());
        BigDecimal cachedPrice = cachedInputPricePer1M != null ? cachedInputPricePer1M : inputPricePer1M;
        BigDecimal micros = inputPricePer1M.multiply(BigDecimal.valueOf(usage.inputTokens() - cached))
                .add(cachedPrice.multiply(BigDecimal.valueOf(cached)))
                .add(outputPricePer1M.multiply(BigDecimal.valueOf(usage.outputTokens())));
        return Cost.usd(micros.divide(MILLION, MathContext.DECIMAL64).stripTrailingZeros());
    }
}
