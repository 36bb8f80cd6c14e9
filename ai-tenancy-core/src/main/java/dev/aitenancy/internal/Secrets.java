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
        return KEY_SHAPES.matcher(out).replaceAll("****");
    }

    /** {@code text} with every key-shaped token masked. */
    public static String scrub(String text) {
        return scrub(text, null);
    }
}
