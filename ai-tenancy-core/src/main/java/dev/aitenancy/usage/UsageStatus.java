package dev.aitenancy.usage;

/** Where a call stands. */
public enum UsageStatus {
    /** The provider was called and has not answered yet. */
    STARTED,
    OK,
    ERROR,
    CANCELED,
    /**
     * The instance that made the call died before it could finish the record: settled later by
     * another instance, billed at the worst case the call had reserved (its tokens are unknown).
     */
    ABANDONED;

    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    /**
     * The lower-case wire/database form: {@code started}, {@code ok}, {@code error},
     * {@code canceled}, {@code abandoned}.
     */
    public String wireName() {
        return wireName;
    }
}
