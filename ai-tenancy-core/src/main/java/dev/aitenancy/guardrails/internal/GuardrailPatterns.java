package dev.aitenancy.guardrails.internal;

import com.google.re2j.PatternSyntaxException;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How content filters match, in time linear in the text whatever an admin wrote:
 *
 * <ul>
 *   <li>patterns run on RE2/J, which never backtracks. A pattern it cannot run (backreferences,
 *       lookaround, possessive quantifiers, atomic groups, Java-only classes, or one whose counted
 *       repetitions expand beyond {@value #MAX_PROGRAM_SIZE} steps) is refused when its rule is
 *       built, with a message that says why and what to write instead;</li>
 *   <li>blocked topics are literals ({@link Pattern#quote}) between one-character lookarounds on
 *       {@code java.util.regex}, whose word boundaries and Unicode case folding they have always
 *       had: a quoted literal cannot backtrack, so a topic costs at most its length per character of
 *       the text, and a topic has at most {@value #MAX_TOPIC_LENGTH} characters.</li>
 * </ul>
 *
 * <p>Rules read back from a store were saved under older checks: {@link #readingStored} admits
 * them as they are, so one old rule never makes an org's rules unreadable. Such a pattern is kept
 * (listed, editable, deletable) and {@link #compiled} reports why it cannot run; the guardrail
 * check then treats it as a match (see {@code GuardrailCheck}).
 */
public final class GuardrailPatterns {

    private static final Logger LOG = LoggerFactory.getLogger(GuardrailPatterns.class);

    /** The most characters of one content-filter pattern. */
    public static final int MAX_PATTERN_LENGTH = 1000;
    /** The most characters of one blocked topic. */
    public static final int MAX_TOPIC_LENGTH = 200;
    /** The most steps (RE2/J instructions) one pattern may compile to: the cost of each character of text. */
    public static final int MAX_PROGRAM_SIZE = 10_000;

    private static final int CACHE_LIMIT = 4096;
    private static final Map<String, Compiled> PATTERNS = new ConcurrentHashMap<>();
    private static final Map<String, Pattern> TOPICS = new ConcurrentHashMap<>();
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<Boolean> STORED = ThreadLocal.withInitial(() -> false);

    private GuardrailPatterns() {
    }

    /**
     * A pattern compiled for RE2/J, or why it cannot run.
     *
     * @param pattern the compiled pattern, null when it cannot run
     * @param problem why it cannot run (e.g. {@code uses a backreference, which ...}), null when it can
     */
    public record Compiled(com.google.re2j.Pattern pattern, String problem) {

        public boolean runs() {
            return pattern != null;
        }
    }

    /**
     * Refuses a content-filter pattern that cannot run in linear time, or is not a regular
     * expression at all; while {@linkplain #readingStored reading stored rules} it only warns.
     */
    public static void checkPattern(String pattern) {
        if (pattern == null) {
            throw invalid("content-filter pattern null is not a valid regular expression; "
                    + "remove it or list the words as blockedTopics");
        }
        if (pattern.length() > MAX_PATTERN_LENGTH && !STORED.get()) {
            throw invalid("a content-filter pattern has at most " + MAX_PATTERN_LENGTH + " characters, '"
                    + pattern.substring(0, 40) + "...' has " + pattern.length()
                    + "; shorten it, split it into several patterns, or list the words as blockedTopics");
        }
        Compiled c = compiled(pattern);
        if (c.runs()) {
            return;
        }
        String message = describe(pattern) + " " + c.problem();
        if (!STORED.get()) {
            throw invalid(message);
        }
        if (WARNED.size() < CACHE_LIMIT && WARNED.add(pattern)) {
            LOG.warn("a stored guardrail's {}; until an admin changes the rule, the pattern counts as a match "
                    + "(a blocking or modifying filter blocks the calls it applies to)", message);
        }
    }

    /** Refuses a blank or overlong blocked topic; while reading stored rules, a long one is admitted. */
    public static void checkTopic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw invalid("a blocked topic must not be blank");
        }
        if (topic.strip().length() > MAX_TOPIC_LENGTH && !STORED.get()) {
            throw invalid("a blocked topic has at most " + MAX_TOPIC_LENGTH + " characters, '"
                    + topic.strip().substring(0, 40) + "...' has " + topic.strip().length()
                    + "; list a shorter word or phrase, or use a pattern");
        }
    }

    /** Runs {@code read} with the checks of rules as stored: old rules are admitted as they are. */
    public static <T, E extends Exception> T readingStored(Read<T, E> read) throws E {
        boolean outer = STORED.get();
        STORED.set(true);
        try {
            return read.get();
        } finally {
            STORED.set(outer);
        }
    }

    /** A read of stored rules. */
    @FunctionalInterface
    public interface Read<T, E extends Exception> {
        T get() throws E;
    }

    /** The pattern compiled for RE2/J (cached), or why it cannot be. */
    public static Compiled compiled(String pattern) {
        return cached(PATTERNS, pattern, () -> compile(pattern));
    }

    /**
     * The topic as a case-insensitive (Unicode) whole word or phrase: not preceded or followed by
     * a letter, a digit or {@code _}.
     */
    public static Pattern topic(String topic) {
        return cached(TOPICS, topic, () -> Pattern.compile("(?<![\\p{L}\\p{N}_])" + Pattern.quote(topic.strip())
                + "(?![\\p{L}\\p{N}_])", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    private static <T> T cached(Map<String, T> cache, String key, Supplier<T> compute) {
        T value = cache.get(key);
        if (value == null) {
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            value = compute.get();
            cache.put(key, value);
        }
        return value;
    }

    private static Compiled compile(String pattern) {
        String intersection = RepetitionBound.intersection(pattern);
        if (intersection != null) {
            return new Compiled(null, unsupported("a character-class intersection ('" + intersection + "')",
                    "list the characters of the class instead"));
        }
        // the estimate runs up to about twice the real size: it only keeps RE2/J from compiling a
        // pattern that would take seconds or all memory; the real size decides below
        long estimate = RepetitionBound.estimate(pattern);
        if (estimate > 4L * MAX_PROGRAM_SIZE) {
            return new Compiled(null, tooLarge(estimate));
        }
        com.google.re2j.Pattern p;
        try {
            p = com.google.re2j.Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return new Compiled(null, problem(e));
        }
        return p.programSize() > MAX_PROGRAM_SIZE ? new Compiled(null, tooLarge(p.programSize())) : new Compiled(p, null);
    }

    private static String tooLarge(long steps) {
        return "is too large: its repetitions expand to " + (steps > 1_000_000 ? "over a million" : "about " + steps)
                + " steps per character of text, at most " + MAX_PROGRAM_SIZE + " are allowed (patterns run in "
                + "linear time); use smaller counts such as {1,50}, split it, or list the words as blockedTopics";
    }

    /** What RE2/J refused, said in the terms of the regular expressions admins know. */
    private static String problem(PatternSyntaxException e) {
        String what = e.getPattern() == null ? "" : e.getPattern();
        String error = e.getDescription() == null ? "" : e.getDescription();
        switch (error) {
            case "invalid escape sequence" -> {
                if (what.matches("\\\\[1-9k]")) {
                    return unsupported("a backreference ('" + what + "')", "rewrite it");
                }
                return unsupported("the escape '" + what + "'", escapeHint(what));
            }
            case "invalid or unsupported Perl syntax" -> {
                if (what.startsWith("(?=") || what.startsWith("(?!")) {
                    return unsupported("a lookahead ('" + what + "...)')", "rewrite it");
                }
                if (what.startsWith("(?>")) {
                    return unsupported("an atomic group ('(?>...)')", "use a plain group '(?:...)'");
                }
                if (what.startsWith("(?#")) {
                    return unsupported("a comment ('(?#...)')", "remove it");
                }
                if (what.startsWith("(?")) {
                    return unsupported("the flag or group '" + what + "'",
                            "the flags guardrail patterns know are i (ignore case), m (multi-line) and s (dot matches "
                                    + "line ends), as in (?i) or (?i:...)");
                }
            }
            case "invalid named capture" -> {
                if (what.startsWith("(?<=") || what.startsWith("(?<!")) {
                    return unsupported("a lookbehind ('" + what.substring(0, 4) + "...)')", "rewrite it");
                }
            }
            case "invalid nested repetition operator" -> {
                if (what.length() >= 2 && what.endsWith("+") && "*+?}".indexOf(what.charAt(what.length() - 2)) >= 0) {
                    return unsupported("a possessive quantifier ('" + what + "')", "drop the final '+' to use the "
                            + "plain quantifier ('" + what.substring(0, what.length() - 1) + "')");
                }
            }
            case "invalid repeat count" -> {
                if (what.matches("\\{\\d*\\d{4,}.*")) {
                    return unsupported("a repetition count over 1000 ('" + what + "')", "use counts up to 1000");
                }
            }
            case "invalid character class range" -> {
                if (what.startsWith("\\p") || what.startsWith("\\P")) {
                    return unsupported("the character class '" + what + "'", "use a Unicode category or script such "
                            + "as \\p{L}, \\p{Lu} or \\p{Greek}, or a POSIX class such as [[:alpha:]]");
                }
            }
            default -> {
                // below
            }
        }
        return "is not a valid regular expression (" + error + (what.isEmpty() ? "" : " at '" + what + "'")
                + "); fix it or list the words as blockedTopics";
    }

    private static String escapeHint(String escape) {
        return switch (escape) {
            case "\\Z" -> "use \\z or $ for the end of the text";
            case "\\u" -> "write a character as \\x{00e9}";
            case "\\h" -> "use [ \\t] or \\s";
            case "\\R" -> "use \\r?\\n";
            case "\\e" -> "use \\x{1B}";
            case "\\c" -> "write the character as \\x{..}";
            default -> "rewrite it";
        };
    }

    private static String unsupported(String construct, String instead) {
        return "uses " + construct + ", which guardrail patterns do not support (they run in linear time); "
                + instead + ", or list the words as blockedTopics";
    }

    private static String describe(String pattern) {
        return "content-filter pattern '" + pattern + "'";
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
