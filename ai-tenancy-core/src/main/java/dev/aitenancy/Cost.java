package dev.aitenancy;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What a call cost at the provider's list price. {@code amount == null} means <em>unpriced</em>:
 * the model has no known price or the token counts are unknown. Unpriced is never zero.
 */
public record Cost(BigDecimal amount, String currency) {

    public static final String USD = "USD";
    private static final Cost UNPRICED = new Cost(null, USD);

    public Cost {
        Objects.requireNonNull(currency, "currency");
        if (amount != null && amount.signum() < 0) {
            throw new IllegalArgumentException("amount must be >= 0");
        }
    }

    public static Cost unpriced() {
        return UNPRICED;
    }

    public static Cost usd(BigDecimal amount) {
        return new Cost(Objects.requireNonNull(amount, "amount"), USD);
    }

    public boolean isPriced() {
        return amount != null;
    }

    @Override
    public String toString() {
        return amount == null ? "unpriced" : amount.toPlainString() + " " + currency;
    }
}
