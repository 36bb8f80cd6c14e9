package dev.aitenancy;

/** A hard budget has no room left for this call. */
public final class BudgetExceededException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public BudgetExceededException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public BudgetExceededException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_BUDGET_EXCEEDED), orgId, message, cause);
    }
}
