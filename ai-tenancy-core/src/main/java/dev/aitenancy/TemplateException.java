package dev.aitenancy;

/** A prompt template could not be rendered; raised before any I/O. */
public final class TemplateException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public TemplateException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public TemplateException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_TEMPLATE_MISSING_VARIABLE, ErrorCode.AI_TEMPLATE_INVALID, ErrorCode.AI_TEMPLATE_NOT_FOUND), orgId, message, cause);
    }
}
