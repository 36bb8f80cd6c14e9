package dev.aitenancy.provider;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A provider's name: one of the built-in ones, or any name a host gives an OpenAI-compatible
 * endpoint ({@code azure}, {@code ollama}, ...). Lower case letters, digits, '-' and '_'.
 */
public record ProviderId(String name) implements Comparable<ProviderId> {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public static final ProviderId OPENAI = new ProviderId("openai");
    public static final ProviderId ANTHROPIC = new ProviderId("anthropic");
    public static final ProviderId GEMINI = new ProviderId("gemini");
    public static final ProviderId COHERE = new ProviderId("cohere");

    public ProviderId {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("a provider name is 1-63 lower-case letters, digits, '-' or '_', "
                    + "starting with a letter or digit; got " + (name == null ? "null" : "'" + name + "'"));
        }
    }

    /** Parses a name case-insensitively. */
    public static ProviderId of(String name) {
        return new ProviderId(name == null ? null : name.trim().toLowerCase(Locale.ROOT));
    }

    @Override
    public int compareTo(ProviderId o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
