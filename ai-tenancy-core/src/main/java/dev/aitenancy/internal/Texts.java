package dev.aitenancy.internal;

/** Text helpers for stored records. */
public final class Texts {

    private Texts() {
    }

    /**
     * {@code text} cut to at most {@code maxBytes} bytes of UTF-8, never inside a character (nor
     * between the two halves of a surrogate pair); null stays null.
     */
    public static String truncateUtf8(String text, int maxBytes) {
        if (text == null) {
            return null;
        }
        if (text.length() * 3L <= maxBytes) {
            return text;
        }
        int bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                return text.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return text;
    }
}
