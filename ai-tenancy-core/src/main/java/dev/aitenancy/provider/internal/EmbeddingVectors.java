package dev.aitenancy.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;

/** What every embeddings wire format reads the same way: vectors, their count, estimated tokens. */
public final class EmbeddingVectors {

    private EmbeddingVectors() {
    }

    /**
     * One vector from a JSON array of numbers.
     *
     * @throws AnswerUnreadable when it is not a non-empty array of numbers
     */
    public static float[] vector(JsonNode array, String where) {
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw new AnswerUnreadable("expected " + where + " to be an array of numbers");
        }
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode n = array.get(i);
            if (!n.isNumber()) {
                throw new AnswerUnreadable("expected " + where + " to be an array of numbers");
            }
            v[i] = n.floatValue();
        }
        return v;
    }

    /**
     * @throws AnswerUnreadable unless there is one vector per input
     */
    public static void requireOnePerInput(List<float[]> vectors, int inputs) {
        if (vectors.size() != inputs) {
            throw new AnswerUnreadable("expected " + inputs + " vectors, one per input, but the answer has "
                    + vectors.size());
        }
    }

    /**
     * The input tokens of texts whose provider reports none: 4 characters a token, rounded up, per
     * text (the same estimate the call path reserves budgets and rate limits with).
     */
    public static long estimatedTokens(List<String> inputs) {
        long n = 0;
        for (String s : inputs) {
            n += (s.length() + 3) / 4;
        }
        return n;
    }

    /**
     * Gemini's {@code taskType} for an input type in Cohere's words ({@code search_document} →
     * {@code RETRIEVAL_DOCUMENT}, {@code search_query} → {@code RETRIEVAL_QUERY}, others upper-cased).
     */
    public static String geminiTaskType(String inputType) {
        return switch (inputType.toLowerCase(Locale.ROOT)) {
            case "search_document" -> "RETRIEVAL_DOCUMENT";
            case "search_query" -> "RETRIEVAL_QUERY";
            default -> inputType.toUpperCase(Locale.ROOT);
        };
    }
}
