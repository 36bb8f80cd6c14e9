package dev.aitenancy;

/** The caller may not use the requested model (allowlist or tier). */
public final class AccessDeniedException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public AccessDeniedException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public AccessDeniedException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_MODEL_NOT_ALLOWED, ErrorCode.AI_TIER_DENIED), orgId, message, cause);
    }
}
