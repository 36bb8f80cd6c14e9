package dev.aitenancy;

/**
 * A store the call depends on (the database behind rate limits, budgets, keys, models or usage
 * records) failed or could not be reached in time. The message says which step failed and for
 * which org, never the SQL or the driver's words; the cause keeps those for the operator's logs.
 * Retryable: the same call may succeed once the store is back.
 */
public final class StoreException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    public StoreException(ErrorCode code, String orgId, String message) {
        this(code, orgId, message, null);
    }

    public StoreException(ErrorCode code, String orgId, String message, Throwable cause) {
        super(require(code, ErrorCode.AI_STORE_UNAVAILABLE), orgId, message, cause);
    }
}
