package dev.aitenancy.provider.internal;

/** One server-sent event: its {@code event:} name (null when absent) and joined {@code data:} lines. */
public record SseEvent(String event, String data) {
}
