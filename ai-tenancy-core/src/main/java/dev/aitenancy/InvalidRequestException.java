package dev.aitenancy;

/** The request is malformed: a missing or invalid argument, or an org reference of an unsupported type. */
public final class InvalidRequestException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public InvalidRequestException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public InvalidRequestException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_INVALID_REQUEST), orgId, message, cause);
    }
}
