package dev.aitenancy.models;

/**
 * What a model does: generate text ({@link #CHAT}) or turn text into vectors ({@link #EMBEDDING}).
 * {@code LLMJob.embed} refuses a model the registry knows as a chat model.
 */
public enum ModelKind {
    /** Text generation (chat, completion): priced per input and output token. */
    CHAT,
    /** Embeddings: priced per input token; there is no output text. */
    EMBEDDING;

    /** The name in {@code builtin-models.json}: {@code chat} or {@code embedding}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The kind named {@code chat} or {@code embedding} (any case); null or empty is {@link #CHAT}. */
    public static ModelKind of(String name) {
        if (name == null || name.isBlank()) {
            return CHAT;
        }
        for (ModelKind k : values()) {
            if (k.name().equalsIgnoreCase(name.strip())) {
                return k;
            }
        }
        throw new IllegalArgumentException("a model kind is 'chat' or 'embedding', not '" + name + "'");
    }
}
