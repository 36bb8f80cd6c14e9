package dev.aitenancy.internal;

import java.util.regex.Pattern;

/** Removes key material from text before it reaches a message, a log line or a stored record. */
public final class Secrets {

    /**
     * Shapes of provider keys and bearer tokens: OpenAI {@code sk-}/{@code sk-proj-}, Anthropic
     * {@code sk-ant-}, Google {@code AIza}, and {@code Bearer <token>}. Matches also catch the
     * partially starred keys providers echo back ("Incorrect API key provided: sk-ab***yz").
     */
    private static final Pattern KEY_SHAPES = Pattern.compile(
            "(?i)(sk-[A-Za-z0-9_*.\\-]{6,}|AIza[0-9A-Za-z_*\\-]{10,}|(?<=bearer )[A-Za-z0-9._~+/=*\\-]{8,})");

    private Secrets() {
    }

    /** {@code text} with every occurrence of {@code secret} and every key-shaped token masked. */
    public static String scrub(String text, String secret) {
        if (text == null) {
            return null;
        }
        String out = text;
        if (secret != null && secret.length() >= 4) {
            out = out.replace(secret, "****");
        }
        return mayHoldKeyShape(out) ? KEY_SHAPES.matcher(out).replaceAll("****") : out;
    }

    /**
     * False only when {@link #KEY_SHAPES} cannot match: the text has no {@code sk-}, {@code AIza}
     * or {@code bearer } in any case. One pass, no allocation, so most text skips the regex.
     */
    static boolean mayHoldKeyShape(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c == '-' && i >= 2 && text.regionMatches(true, i - 2, "sk", 0, 2)
                    || (c == 'a' || c == 'A') && text.regionMatches(true, i, "aiza", 0, 4)
                    || (c == 'b' || c == 'B') && text.regionMatches(true, i, "bearer ", 0, 7)) {
                return true;
            }
        }
        return false;
    }

    /** {@code text} with every key-shaped token masked. */
    public static String scrub(String text) {
        return scrub(text, null);
    }
}
