package dev.aitenancy.usage;

import dev.aitenancy.internal.Secrets;
import dev.aitenancy.internal.Texts;
import java.util.regex.Pattern;

/**
 * Makes prompt and answer text safe to store: masks e-mail addresses, URLs, key-shaped secrets and
 * bearer tokens, long hex or base64 strings and long numeric ids, then cuts the text to a byte
 * budget without splitting a character. What is masked is replaced by a marker such as
 * {@code [email]} so the record still reads naturally.
 */
public final class Redactor {

    /** The default budget per stored text: 8 KiB of UTF-8. */
    public static final int DEFAULT_MAX_BYTES = 8 * 1024;

    // a local part starts where its run of characters starts and never gives one back: without that,
    // a long run with no '@' is rescanned from each of its characters (seconds for a 50 KB prompt)
    private static final Pattern EMAIL = Pattern.compile("(?<![\\w.%+-])[\\w.%+-]++@[\\w-]+(\\.[\\w-]+)+");
    private static final Pattern URL = Pattern.compile("(?i)\\b(https?|ftp)://[^\\s\"'<>]+");
    private static final Pattern LONG_HEX = Pattern.compile("\\b[0-9a-fA-F]{32,}\\b");
    private static final Pattern LONG_BASE64 = Pattern.compile("(?<![\\w+/])[A-Za-z0-9+/_-]{40,}={0,2}");
    private static final Pattern LONG_NUMBER = Pattern.compile("\\b\\d{9,}\\b");

    private final int maxBytes;

    public Redactor(int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0");
        }
        this.maxBytes = maxBytes;
    }

    public static Redactor defaults() {
        return new Redactor(DEFAULT_MAX_BYTES);
    }

    /** The text redacted and truncated; {@code secret} (a key in use) is masked wherever it appears. */
    public String redact(String text, String secret) {
        if (text == null) {
            return null;
        }
        String out = Secrets.scrub(text, secret);
        // one pass finds which patterns can match at all; a replacement only ever breaks runs, so a
        // pattern that cannot match the scrubbed text cannot match after the others either
        boolean url = false;
        boolean at = false;
        int hexRun = 0;
        int maxHexRun = 0;
        int wordRun = 0;
        int maxWordRun = 0;
        int digitRun = 0;
        int maxDigitRun = 0;
        for (int i = 0, n = out.length(); i < n; i++) {
            char c = out.charAt(i);
            at |= c == '@';
            url |= c == ':' && out.startsWith("//", i + 1);
            boolean digit = c >= '0' && c <= '9';
            boolean hex = digit || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            boolean word = hex || c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z' || c == '+' || c == '/' || c == '_'
                    || c == '-';
            maxDigitRun = Math.max(maxDigitRun, digitRun = digit ? digitRun + 1 : 0);
            maxHexRun = Math.max(maxHexRun, hexRun = hex ? hexRun + 1 : 0);
            maxWordRun = Math.max(maxWordRun, wordRun = word ? wordRun + 1 : 0);
        }
        out = url ? URL.matcher(out).replaceAll("[url]") : out;
        out = at ? EMAIL.matcher(out).replaceAll("[email]") : out;
        out = maxHexRun >= 32 ? LONG_HEX.matcher(out).replaceAll("[secret]") : out;
        out = maxWordRun >= 40 ? LONG_BASE64.matcher(out).replaceAll("[secret]") : out;
        out = maxDigitRun >= 9 ? LONG_NUMBER.matcher(out).replaceAll("[id]") : out;
        return Texts.truncateUtf8(out, maxBytes);
    }

    public int maxBytes() {
        return maxBytes;
    }
}
