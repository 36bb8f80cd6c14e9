package dev.aitenancy.spring.internal.wire;

/**
 * Every refusal and failure of the endpoints: {@code {"code":"AI_…","message":"…"}}. The code is
 * one of the library's {@code ErrorCode}s or {@code AI_UNAUTHENTICATED}, {@code AI_FORBIDDEN},
 * {@code AI_NOT_FOUND}, {@code AI_INTERNAL}; the message names no Java class, library or parser.
 */
public record ErrorView(String code, String message) {
}
