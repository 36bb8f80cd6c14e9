package dev.aitenancy;

/** Why the model stopped generating, unified across providers. */
public enum FinishReason {
    /** Natural end or a stop sequence. */
    STOP,
    /** The output cap or the context window was reached. */
    LENGTH,
    /** The model asked for a tool call. */
    TOOL_CALLS,
    /** The provider's safety system filtered or refused the answer. */
    CONTENT_FILTER,
    /** The call was canceled before the model finished. */
    CANCELED,
    /** The provider gave a reason this library does not know. */
    OTHER,
    /** The provider gave no reason (for example a stream that ended without one). */
    UNKNOWN
}
