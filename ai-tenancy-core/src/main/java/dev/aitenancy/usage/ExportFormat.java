package dev.aitenancy.usage;

/** How usage records are exported. */
public enum ExportFormat {
    /** Comma-separated values with a header row (RFC 4180 quoting). */
    CSV,
    /** One JSON object per line. */
    JSON_LINES
}
