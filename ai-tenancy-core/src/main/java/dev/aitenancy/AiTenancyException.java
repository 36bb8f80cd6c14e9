package dev.aitenancy;

import java.util.Objects;

/**
 * The root of every error this library throws. Each leaf carries a stable {@link ErrorCode}, the
 * organization the call was made for (when known) and whether a retry may help.
 *
 * <p>Messages are written for the person who can fix the problem and never contain an API key.
 */
public abstract sealed class AiTenancyException extends RuntimeException
        permits InvalidRequestException, TemplateException, ConfigurationException, AccessDeniedException,
                GuardrailBlockedException, RateLimitedException, BudgetExceededException, ProviderException,
                CanceledException, StoreException, ConversationNotFoundException, OutputInvalidException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private String orgId;

    protected AiTenancyException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.orgId = orgId;
    }

    /** The stable code of this error. */
    public ErrorCode code() {
        return code;
    }

    /** The organization the failed call was made for, or {@code null} when it was not known yet. */
    public String orgId() {
        return orgId;
    }

    /** Attributes an error raised below the org-aware layer (a template, a provider) to the org. */
    void attachOrg(String org) {
        if (orgId == null) {
            orgId = org;
        }
    }

    /** Whether the same call may succeed if retried later. */
    public boolean retryable() {
        return code.retryable();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + code + (orgId == null ? "" : ", org=" + orgId) + "]: "
                + getMessage();
    }

    static ErrorCode require(ErrorCode code, ErrorCode... allowed) {
        for (ErrorCode a : allowed) {
            if (a == code) {
                return code;
            }
        }
        throw new IllegalArgumentException(code + " is not a code of this exception type");
    }
}
