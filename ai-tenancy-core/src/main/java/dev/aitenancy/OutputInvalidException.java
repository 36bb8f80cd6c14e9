package dev.aitenancy;

import java.util.UUID;

/**
 * {@code AI_OUTPUT_INVALID}: the model answered, but not with the JSON the request asked for. The
 * call is recorded (tokens and cost are charged; the raw answer is in the usage record when the org
 * stores text) and {@link #usageRecordId()} names that record. The message says what is wrong with
 * the answer (a parse error position or the schema rule it breaks), never the answer itself.
 */
public final class OutputInvalidException extends AiTenancyException {

    private static final long serialVersionUID = 1L;

    private final UUID usageRecordId;

    public OutputInvalidException(String orgId, String message, UUID usageRecordId) {
        super(ErrorCode.AI_OUTPUT_INVALID, orgId, message, null);
        this.usageRecordId = usageRecordId;
    }

    /** The usage record of the call whose answer was invalid, or null when it is not known. */
    public UUID usageRecordId() {
        return usageRecordId;
    }
}
