package dev.aitenancy;

/** The call was canceled by its caller. */
public final class CanceledException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public CanceledException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public CanceledException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_CANCELED), orgId, message, cause);
    }
}
