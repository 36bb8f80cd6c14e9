package dev.aitenancy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A provider refused or failed the call, or could not be reached. The message is the provider's
 * own explanation where it gave one, with anything that looks like a key masked, and says what to
 * do; it never carries parser or HTTP-client internals.
 *
 * <p>Build one with {@link #builder(ErrorCode, String)}.
 */
public final class ProviderException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    private final String provider;
    private final int httpStatus;
    private final String providerCode;
    private final Duration retryAfter;

    /**
     * @deprecated eight positional arguments are easy to mix up; use {@link #builder(ErrorCode, String)}
     */
    @Deprecated
    public ProviderException(ErrorCode code, String orgId, String provider, int httpStatus, String providerCode,
            Duration retryAfter, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_PROVIDER_AUTH, ErrorCode.AI_PROVIDER_RATE_LIMITED,
                ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED, ErrorCode.AI_PROVIDER_OVERLOADED,
                ErrorCode.AI_PROVIDER_UNAVAILABLE, ErrorCode.AI_PROVIDER_TIMEOUT, ErrorCode.AI_PROVIDER_BAD_REQUEST,
                ErrorCode.AI_PROVIDER_MODEL_NOT_FOUND, ErrorCode.AI_CONTEXT_TOO_LONG,
                ErrorCode.AI_PROVIDER_PROTOCOL), orgId, message, cause);
        this.provider = provider;
        this.httpStatus = httpStatus;
        this.providerCode = providerCode;
        this.retryAfter = retryAfter;
    }

    /** A builder of a provider failure with {@code code} and a message written for whoever can fix it. */
    public static Builder builder(ErrorCode code, String message) {
        return new Builder(code, message);
    }

    /** A builder starting from this failure. */
    public Builder toBuilder() {
        return builder(code(), getMessage()).org(orgId()).provider(provider).httpStatus(httpStatus)
                .providerCode(providerCode).retryAfter(retryAfter).cause(getCause());
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
        ProviderException copy = toBuilder().org(org).build();
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    /** Builds a {@link ProviderException}; only the code and the message are required. */
    public static final class Builder {
        private final ErrorCode code;
        private final String message;
        private String orgId;
        private String provider;
        private int httpStatus;
        private String providerCode;
        private Duration retryAfter;
        private Throwable cause;

        private Builder(ErrorCode code, String message) {
            this.code = Objects.requireNonNull(code, "code");
            this.message = message;
        }

        /** The organization the call was made for. */
        public Builder org(String orgId) {
            this.orgId = orgId;
            return this;
        }

        /** The provider's name, for example {@code openai}. */
        public Builder provider(String provider) {
            this.provider = provider;
            return this;
        }

        /** The HTTP status the provider answered with; 0 (the default) when there was none. */
        public Builder httpStatus(int status) {
            this.httpStatus = status;
            return this;
        }

        /** The provider's own error code or type. */
        public Builder providerCode(String providerCode) {
            this.providerCode = providerCode;
            return this;
        }

        /** The delay the provider asked for. */
        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
            return this;
        }

        public Builder cause(Throwable cause) {
            this.cause = cause;
            return this;
        }

        /**
         * @throws IllegalArgumentException when the code is not a provider code
         */
        @SuppressWarnings("deprecation")
        public ProviderException build() {
            return new ProviderException(code, orgId, provider, httpStatus, providerCode, retryAfter, message, cause);
        }
    }
}
