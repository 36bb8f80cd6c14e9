package dev.aitenancy.provider.internal;

/**
 * A provider's answer is valid JSON of the wrong shape. The message says what was expected, in
 * words fit for an error message (no parser detail).
 */
public final class AnswerUnreadable extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AnswerUnreadable(String expected) {
        super(expected);
    }
}
