package dev.aitenancy.internal;

import com.knuddels.jtokkit.api.Encoding;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the tokens of a text with one of jtokkit's encodings, exactly as {@link
 * Encoding#countTokensOrdinary} does, but faster for the usual prompt under o200k_base (GPT-4o and
 * later): a text of printable ASCII, tabs and line breaks is split into the pieces o200k_base's
 * pre-tokenizing pattern would cut (by hand, without the regular expression), and the token count
 * of each piece is remembered, so words seen before cost a map lookup instead of a byte-pair merge.
 * Byte-pair encoding never merges across pieces, so the sum is the text's count. Other texts, and
 * other encodings, are counted by jtokkit. Thread-safe.
 */
public final class TokenCounter {

    /**
     * Piece counts remembered (a few more when threads add at once); when full, new pieces are
     * counted each time.
     */
    static final int MAX_PIECES = 65_536;
    /** Longer pieces are not remembered (a long run of spaces or symbols). */
    static final int MAX_PIECE_LENGTH = 32;

    private final Encoding encoding;
    private final boolean o200k;
    private final ConcurrentHashMap<String, Integer> pieces = new ConcurrentHashMap<>();

    private TokenCounter(Encoding encoding, boolean o200k) {
        this.encoding = Objects.requireNonNull(encoding, "encoding");
        this.o200k = o200k;
    }

    /** A counter for {@code encoding}, which must be o200k_base (pieces cut by hand when the text allows). */
    public static TokenCounter o200k(Encoding encoding) {
        return new TokenCounter(encoding, true);
    }

    /** A counter that leaves every text to {@code encoding}. */
    public static TokenCounter of(Encoding encoding) {
        return new TokenCounter(encoding, false);
    }

    /** The tokens of {@code text}, special tokens counted as ordinary text. */
    public int count(String text) {
        if (!o200k || !simple(text)) {
            return encoding.countTokensOrdinary(text);
        }
        int n = 0;
        int i = 0;
        while (i < text.length()) {
            int end = pieceEnd(text, i);
            n += piece(text.substring(i, end));
            i = end;
        }
        return n;
    }

    /** Piece counts remembered now (for tests). */
    int remembered() {
        return pieces.size();
    }

    private int piece(String piece) {
        if (piece.length() > MAX_PIECE_LENGTH) {
            return encoding.countTokensOrdinary(piece);
        }
        Integer known = pieces.get(piece);
        if (known != null) {
            return known;
        }
        int n = encoding.countTokensOrdinary(piece); // a piece alone is cut into itself
        if (pieces.size() < MAX_PIECES) {
            pieces.put(piece, n);
        }
        return n;
    }

    /** Whether every character is printable ASCII, a tab or a line break (the pieces cut by hand). */
    private static boolean simple(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 || c > 0x7E) && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /*
     * o200k_base's pattern, alternatives in order (first that matches at a position wins), read for
     * ASCII, where letters are A-Z and a-z, numbers 0-9, whitespace space, tab, CR and LF:
     *  1. one optional char that is no letter, number, CR or LF; upper case letters; one or more
     *     lower case letters; an optional contraction ('s 't 're 've 'm 'll 'd, any case)
     *  2. the same optional char; one or more upper case letters; lower case letters; a contraction
     *  3. one to three digits
     *  4. an optional space; one or more chars that are no whitespace, letter or number; CRs, LFs
     *     and slashes
     *  5. whitespace up to and including its last CR or LF
     *  6. whitespace not followed by a non-whitespace char (a run but its last char, or a run that
     *     ends the text)
     *  7. whitespace
     */
    static int pieceEnd(String s, int i) {
        int n = s.length();
        char c = s.charAt(i);
        int j = !letter(c) && !digit(c) && c != '\r' && c != '\n' ? i + 1 : i;
        if (j < n) {
            int k = j;
            while (k < n && upper(s.charAt(k))) {
                k++;
            }
            if (k < n && lower(s.charAt(k))) { // 1
                while (k < n && lower(s.charAt(k))) {
                    k++;
                }
                return contraction(s, k);
            }
            if (k > j) { // 2
                return contraction(s, k);
            }
        }
        if (digit(c)) { // 3
            int k = i + 1;
            while (k < n && k - i < 3 && digit(s.charAt(k))) {
                k++;
            }
            return k;
        }
        int k = c == ' ' && i + 1 < n && symbol(s.charAt(i + 1)) ? i + 1 : i;
        if (symbol(s.charAt(k))) { // 4
            while (k < n && symbol(s.charAt(k))) {
                k++;
            }
            while (k < n && (s.charAt(k) == '\r' || s.charAt(k) == '\n' || s.charAt(k) == '/')) {
                k++;
            }
            return k;
        }
        int e = i; // c is whitespace
        int lastBreak = -1;
        while (e < n && space(s.charAt(e))) {
            if (s.charAt(e) == '\r' || s.charAt(e) == '\n') {
                lastBreak = e;
            }
            e++;
        }
        if (lastBreak >= 0) { // 5
            return lastBreak + 1;
        }
        if (e == n) { // 6, at the end
            return e;
        }
        return e - i >= 2 ? e - 1 : e; // 6, else 7
    }

    /** The end of an optional contraction at {@code k} ('s 't 're 've 'm 'll 'd, any case). */
    private static int contraction(String s, int k) {
        int n = s.length();
        if (k + 1 >= n || s.charAt(k) != '\'') {
            return k;
        }
        char a = Character.toLowerCase(s.charAt(k + 1));
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return k + 2;
        }
        if (k + 2 < n) {
            char b = Character.toLowerCase(s.charAt(k + 2));
            if (a == 'r' && b == 'e' || a == 'v' && b == 'e' || a == 'l' && b == 'l') {
                return k + 3;
            }
        }
        return k;
    }

    private static boolean upper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean lower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean letter(char c) {
        return upper(c) || lower(c);
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean symbol(char c) {
        return !space(c) && !letter(c) && !digit(c);
    }
}
