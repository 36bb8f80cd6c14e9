package dev.aitenancy.provider.internal;

import dev.aitenancy.ErrorCode;
import java.time.Duration;

/**
 * What a provider's error body says, as read by an adapter.
 *
 * @param code         a more precise classification than the status gives, or null to keep the
 *                     status-based one (e.g. {@code AI_PROVIDER_QUOTA_EXHAUSTED} for a 429 with
 *                     {@code insufficient_quota})
 * @param providerCode the provider's own code or type, or null
 * @param message      the provider's message, or null
 * @param retryAfter   a delay the body asks for (Gemini {@code RetryInfo}), or null
 */
public record ErrorDetails(ErrorCode code, String providerCode, String message, Duration retryAfter) {

    public static final ErrorDetails NONE = new ErrorDetails(null, null, null, null);
}
