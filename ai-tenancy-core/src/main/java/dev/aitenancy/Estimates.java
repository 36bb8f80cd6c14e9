package dev.aitenancy;

import dev.aitenancy.models.ResolvedModel;
import java.math.BigDecimal;

/** What a call is expected to use before it is made, for limits and reservations; never for billing. */
final class Estimates {

    private Estimates() {
    }

    /**
     * The most a call can be billed: the input estimate plus the output cap, at the rates it is billed
     * at (its tier's, else the list price); null when the call cannot be priced, never zero.
     */
    static BigDecimal worstCase(ResolvedModel model, String prompt) {
        TokenUsage most = TokenUsage.of(tokens(prompt), model.maxOutputTokens());
        Cost billed = model.billed(most, model.spec() == null ? Cost.unpriced() : model.spec().cost(most));
        return billed.isPriced() ? billed.amount() : null;
    }

    /** A rough input estimate (4 characters a token). */
    static long tokens(String text) {
        return (text.length() + 3) / 4;
    }
}
