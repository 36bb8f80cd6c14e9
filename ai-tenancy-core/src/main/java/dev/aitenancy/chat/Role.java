package dev.aitenancy.chat;

/** Who speaks in a {@link Message}. */
public enum Role {
    /** Instructions for the model; providers with a separate system field get these there. */
    SYSTEM,
    /** The person (or the host on their behalf). */
    USER,
    /** The model: text, tool calls or both. */
    ASSISTANT,
    /** The result of one tool call, sent back by the host. */
    TOOL
}
