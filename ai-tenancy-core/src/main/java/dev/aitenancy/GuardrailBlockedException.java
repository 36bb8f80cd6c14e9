package dev.aitenancy;

/** A guardrail blocked the request or its answer. */
public final class GuardrailBlockedException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public GuardrailBlockedException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public GuardrailBlockedException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_GUARDRAIL_BLOCKED), orgId, message, cause);
    }
}
