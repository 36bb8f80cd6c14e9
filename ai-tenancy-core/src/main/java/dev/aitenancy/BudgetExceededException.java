package dev.aitenancy;

/**
 * A hard budget refused the call: it has no room left ({@link ErrorCode#AI_BUDGET_EXCEEDED}), or the
 * call cannot be priced and the budget does not allow unpriced models
 * ({@link ErrorCode#AI_BUDGET_UNPRICED_MODEL}).
 */
public final class BudgetExceededException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public BudgetExceededException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public BudgetExceededException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_BUDGET_EXCEEDED, ErrorCode.AI_BUDGET_UNPRICED_MODEL), orgId, message, cause);
    }
}
