package dev.aitenancy;

/** The organization or the library is not configured for this call (missing key, no default model, feature off). */
public final class ConfigurationException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public ConfigurationException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public ConfigurationException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_FEATURE_DISABLED, ErrorCode.AI_CONFIG_MISSING_API_KEY, ErrorCode.AI_CONFIG_NO_DEFAULT_MODEL, ErrorCode.AI_CONFIG_NO_PROVIDER, ErrorCode.AI_CONFIG_INVALID), orgId, message, cause);
    }
}
