package dev.aitenancy;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider refused or failed the call, or could not be reached. The message is the provider's
 * own explanation where it gave one, with anything that looks like a key masked.
 */
public final class ProviderException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    private final String provider;
    private final int httpStatus;
    private final String providerCode;
    private final Duration retryAfter;

    public ProviderException(ErrorCode code, String orgId, String provider, int httpStatus, String providerCode,
            Duration retryAfter, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_PROVIDER_AUTH, ErrorCode.AI_PROVIDER_RATE_LIMITED,
                ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED, ErrorCode.AI_PROVIDER_OVERLOADED,
                ErrorCode.AI_PROVIDER_UNAVAILABLE, ErrorCode.AI_PROVIDER_TIMEOUT, ErrorCode.AI_PROVIDER_BAD_REQUEST,
                ErrorCode.AI_CONTEXT_TOO_LONG, ErrorCode.AI_PROVIDER_PROTOCOL), orgId, message, cause);
        this.provider = provider;
        this.httpStatus = httpStatus;
        this.providerCode = providerCode;
        this.retryAfter = retryAfter;
    }

    /** The provider that failed, for example {@code openai}. */
    public String provider() {
        return provider;
    }

    /** The HTTP status, or 0 when the failure happened without one (connection, timeout, mid-stream). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The provider's own error code or type ({@code insufficient_quota}, {@code overloaded_error}), if any. */
    public Optional<String> providerCode() {
        return Optional.ofNullable(providerCode);
    }

    /** The delay the provider asked for ({@code retry-after}, {@code retryDelay}), if any. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The same failure attributed to an organization. */
    public ProviderException withOrg(String org) {
        ProviderException copy = new ProviderException(code(), org, provider, httpStatus, providerCode, retryAfter,
                getMessage(), getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }
}
