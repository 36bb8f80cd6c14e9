package dev.aitenancy;

/**
 * Tokens a call used. A {@code null} component is <em>unknown</em> (the provider did not report
 * it, or a stream ended before its usage arrived) and is never the same as zero.
 *
 * @param inputTokens       prompt tokens, including the cached ones
 * @param outputTokens      generated tokens, including reasoning/thinking tokens
 * @param cachedInputTokens the part of {@code inputTokens} read from the provider's prompt cache
 */
public record TokenUsage(Long inputTokens, Long outputTokens, Long cachedInputTokens) {

    /** Nothing is known. */
    public static final TokenUsage UNKNOWN = new TokenUsage(null, null, null);

    public TokenUsage {
        requireNonNegative(inputTokens, "inputTokens");
        requireNonNegative(outputTokens, "outputTokens");
        requireNonNegative(cachedInputTokens, "cachedInputTokens");
    }

    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, outputTokens, null);
    }

    /** Whether both input and output token counts are known. */
    public boolean isKnown() {
        return inputTokens != null && outputTokens != null;
    }

    /** Input plus output, or {@code null} when either is unknown. */
    public Long totalTokens() {
        return isKnown() ? inputTokens + outputTokens : null;
    }

    /** This usage with each unknown component taken from {@code other}. */
    public TokenUsage orElse(TokenUsage other) {
        return new TokenUsage(inputTokens != null ? inputTokens : other.inputTokens,
                outputTokens != null ? outputTokens : other.outputTokens,
                cachedInputTokens != null ? cachedInputTokens : other.cachedInputTokens);
    }

    private static void requireNonNegative(Long v, String name) {
        if (v != null && v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + v);
        }
    }
}
