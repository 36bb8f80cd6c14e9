package dev.aitenancy.guardrails.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A look at a pattern's text before RE2/J compiles it. RE2/J expands counted repetitions, so
 * {@code ((a{100}){100}){100}} compiles to a million instructions and one more level runs out of
 * memory while compiling: {@link #estimate} bounds that size from the text alone, nested counts
 * multiplying, so such a pattern is refused without being compiled. It also finds what RE2/J would
 * read differently from {@code java.util.regex} without an error ({@link #intersection}).
 */
final class RepetitionBound {

    private static final long SATURATED = Long.MAX_VALUE / 4;

    private RepetitionBound() {
    }

    /**
     * About how many instructions the pattern compiles to: not below what RE2/J makes of it, and up
     * to about twice that (each atom one, a group its contents plus one, a repetition {@code {n,m}}
     * its atom and one step {@code max(n, m)} times).
     */
    static long estimate(String p) {
        Deque<long[]> open = new ArrayDeque<>(); // the size before each open group
        long size = 0;
        long last = 0; // the size of the last atom, which a repetition repeats
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            long atom = 1;
            int next = i + 1;
            switch (c) {
                case '\\' -> {
                    if (next < p.length() && p.charAt(next) == 'Q') {
                        int end = p.indexOf("\\E", next + 1);
                        end = end < 0 ? p.length() : end;
                        atom = Math.max(1, end - next - 1);
                        next = Math.min(p.length(), end + 2);
                    } else {
                        next = skipEscape(p, i);
                    }
                }
                case '[' -> next = skipClass(p, i);
                case '(' -> {
                    open.push(new long[] {size});
                    size = 0;
                    last = 0;
                    i = next;
                    continue;
                }
                case ')' -> {
                    long group = add(size, 1);
                    size = open.isEmpty() ? 0 : open.pop()[0];
                    atom = group;
                }
                case '|' -> {
                    size = add(size, 1);
                    last = 0;
                    i = next;
                    continue;
                }
                case '*', '+', '?' -> {
                    size = add(size, 1);
                    i = next;
                    continue;
                }
                case '{' -> {
                    int close = p.indexOf('}', i);
                    long count = close < 0 ? -1 : count(p.substring(i + 1, close));
                    if (count >= 0) {
                        // the atom once already counted, then count - 1 more copies and a step each
                        size = add(size, add(mul(last, Math.max(0, count - 1)), count));
                        last = add(mul(last, Math.max(1, count)), count);
                        i = close + 1;
                        continue;
                    }
                }
                default -> {
                    // a literal character or '.', '^', '$'
                }
            }
            size = add(size, atom);
            last = atom;
            i = next;
        }
        while (!open.isEmpty()) {
            size = add(open.pop()[0], size);
        }
        return size;
    }

    /** The first {@code &&} inside a character class (an intersection in Java, two '&' in RE2/J), or null. */
    static String intersection(String p) {
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '\\') {
                i = skipEscape(p, i);
            } else if (c == '[') {
                int end = skipClass(p, i);
                int amp = p.substring(i, end).indexOf("&&");
                if (amp >= 0) {
                    return p.substring(i, end);
                }
                i = end;
            } else {
                i++;
            }
        }
        return null;
    }

    /** The index after the escape at {@code i}, with its braces ({@code \p{L}}, {@code \x{e9}}) and {@code \Q...\E}. */
    private static int skipEscape(String p, int i) {
        int next = i + 2;
        if (next - 1 < p.length() && p.charAt(next - 1) == 'Q') {
            int end = p.indexOf("\\E", next);
            return end < 0 ? p.length() : end + 2;
        }
        if (next < p.length() && p.charAt(next) == '{' && "pPx".indexOf(p.charAt(next - 1)) >= 0) {
            int close = p.indexOf('}', next);
            return close < 0 ? p.length() : close + 1;
        }
        return Math.min(next, p.length());
    }

    /** The index after the character class opening at {@code i} (nested classes and POSIX names included). */
    private static int skipClass(String p, int i) {
        int depth = 0;
        int j = i;
        while (j < p.length()) {
            char c = p.charAt(j);
            if (c == '\\') {
                j = skipEscape(p, j);
                continue;
            }
            if (c == '[') {
                depth++;
                j++;
                if (j < p.length() && p.charAt(j) == ':') {
                    int close = p.indexOf(":]", j);
                    j = close < 0 ? j : close + 2;
                    depth--;
                    continue;
                }
                if (j < p.length() && p.charAt(j) == '^') {
                    j++;
                }
                if (j < p.length() && p.charAt(j) == ']') {
                    j++; // a leading ']' is a literal
                }
                continue;
            }
            if (c == ']') {
                depth--;
                j++;
                if (depth == 0) {
                    return j;
                }
                continue;
            }
            j++;
        }
        return p.length();
    }

    /** The largest count of {@code n}, {@code n,} or {@code n,m}, or -1 when it is not a repetition. */
    private static long count(String inner) {
        int comma = inner.indexOf(',');
        String low = comma < 0 ? inner : inner.substring(0, comma);
        String high = comma < 0 ? "" : inner.substring(comma + 1);
        if (!digits(low) || !(high.isEmpty() || digits(high))) {
            return -1;
        }
        long n = parse(low);
        return high.isEmpty() ? (comma < 0 ? n : n + 1) : Math.max(n, parse(high));
    }

    private static boolean digits(String s) {
        return !s.isEmpty() && s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    private static long parse(String digits) {
        return digits.length() > 9 ? SATURATED : Long.parseLong(digits);
    }

    private static long add(long a, long b) {
        return Math.min(SATURATED, a + b);
    }

    private static long mul(long a, long b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return a > SATURATED / b ? SATURATED : Math.min(SATURATED, a * b);
    }
}
