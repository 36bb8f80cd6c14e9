package dev.aitenancy.usage;

/** Where a call stands. */
public enum UsageStatus {
    /** The provider was called and has not answered yet (or the instance died meanwhile). */
    STARTED,
    OK,
    ERROR,
    CANCELED;

    /** The lower-case wire/database form: {@code started}, {@code ok}, {@code error}, {@code canceled}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
