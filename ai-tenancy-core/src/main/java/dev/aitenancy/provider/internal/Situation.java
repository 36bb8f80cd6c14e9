package dev.aitenancy.provider.internal;

import dev.aitenancy.ErrorCode;

/**
 * How a provider call can go wrong, and the one {@link ErrorCode} each situation gets. This enum is
 * the only place a provider failure is given a code: a wire format says which situation an error
 * body describes (it never picks a code), so the same situation is classified the same way for
 * every provider. Whether the client retries follows from the code ({@link ErrorCode#retryable()}).
 */
public enum Situation {

    /** 401; Gemini's 400 {@code API_KEY_INVALID}; OpenAI {@code invalid_api_key}: the key is wrong, revoked or missing. */
    KEY_REFUSED(ErrorCode.AI_PROVIDER_AUTH),
    /** 403: the key is valid but may not do this (model, project, region not enabled). */
    NOT_PERMITTED(ErrorCode.AI_PROVIDER_AUTH),
    /** 429 that clears soon (requests or tokens per minute). */
    RATE_LIMITED(ErrorCode.AI_PROVIDER_RATE_LIMITED),
    /** 402; a 429 for credit, a spend cap, a per-day or trial-month quota; Anthropic {@code billing_error}. */
    QUOTA_EXHAUSTED(ErrorCode.AI_PROVIDER_QUOTA_EXHAUSTED),
    /** 503 and 529 whatever the provider; {@code overloaded_error} inside a stream. */
    OVERLOADED(ErrorCode.AI_PROVIDER_OVERLOADED),
    /** 500, 502, other 5xx, 409, 499; a server error reported inside a stream. */
    SERVER_ERROR(ErrorCode.AI_PROVIDER_UNAVAILABLE),
    /** Connection refused or reset, unknown host, TLS failure. */
    UNREACHABLE(ErrorCode.AI_PROVIDER_UNAVAILABLE),
    /** A stream broke off, or ended before the provider's end marker. */
    STREAM_CUT(ErrorCode.AI_PROVIDER_UNAVAILABLE),
    /** 408, 504, Gemini {@code DEADLINE_EXCEEDED}, Anthropic {@code timeout_error}: the provider timed out. */
    PROVIDER_TIMEOUT(ErrorCode.AI_PROVIDER_TIMEOUT),
    /** No connection within the client's connect timeout. */
    CONNECT_TIMEOUT(ErrorCode.AI_PROVIDER_TIMEOUT),
    /** The call's own deadline passed (or, in a stream after its first token, the longest silence). */
    DEADLINE_PASSED(ErrorCode.AI_PROVIDER_TIMEOUT),
    /** The provider does not know the model id. */
    MODEL_NOT_FOUND(ErrorCode.AI_PROVIDER_MODEL_NOT_FOUND),
    /** The prompt plus the output cap do not fit the model's context window. */
    CONTEXT_TOO_LONG(ErrorCode.AI_CONTEXT_TOO_LONG),
    /** A 404 that names no model: most likely a wrong base URL or path. */
    NOT_FOUND(ErrorCode.AI_PROVIDER_BAD_REQUEST),
    /** 400, 413, 422, 501 and other 4xx: the provider refused the request as it is. */
    BAD_REQUEST(ErrorCode.AI_PROVIDER_BAD_REQUEST),
    /** Invalid JSON, an answer of the wrong shape, or a status this library does not expect (1xx, 3xx). */
    UNREADABLE(ErrorCode.AI_PROVIDER_PROTOCOL);

    private final ErrorCode code;

    Situation(ErrorCode code) {
        this.code = code;
    }

    /** The code a failure in this situation carries. */
    public ErrorCode code() {
        return code;
    }

    /** The situation an HTTP status alone describes, for when the body says nothing more precise. */
    public static Situation ofStatus(int status) {
        return switch (status) {
            case 401 -> KEY_REFUSED;
            case 402 -> QUOTA_EXHAUSTED;
            case 403 -> NOT_PERMITTED;
            case 404 -> NOT_FOUND;
            case 408, 504 -> PROVIDER_TIMEOUT;
            case 409, 499 -> SERVER_ERROR;
            case 429 -> RATE_LIMITED;
            case 501 -> BAD_REQUEST;
            case 503, 529 -> OVERLOADED;
            default -> status >= 500 && status < 600 ? SERVER_ERROR
                    : status >= 400 && status < 500 ? BAD_REQUEST : UNREADABLE;
        };
    }
}
