package dev.aitenancy.guardrails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.GuardrailBlockedException;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.guardrails.GuardrailRule.ContentFilter;
import dev.aitenancy.guardrails.internal.GuardrailCheck;
import dev.aitenancy.spi.StoredGuardrails;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Content-filter patterns run in linear time (RE2/J): what can never backtrack is refused when a
 * rule is built, with a message saying why and what to write instead, and a rule stored before
 * that check still loads and counts its unusable pattern as a match.
 */
class GuardrailPatternsTest {

    static final OrgId ACME = OrgId.of("acme");
    static final Caller BOB = Caller.user("bob");
    /** Only a guard against a hang: RE2/J answers in microseconds; java.util.regex took minutes. */
    static final Duration HANG_GUARD = Duration.ofSeconds(5);

    static GuardrailCheck check(ContentFilter filter, GuardrailAction action) {
        return GuardrailCheck.of(List.of(Guardrail.forOrg(ACME, "f", filter, action)), ACME, BOB, null);
    }

    @Test
    void theCatastrophicPatternAnswersAtOnceOnAPromptItDoesNotMatch() {
        // given the pattern that kept java.util.regex busy for minutes on a 41-character prompt
        String prompt = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
        assertThat(prompt).hasSize(41);
        GuardrailCheck blocking = check(ContentFilter.input(List.of(), List.of("(.*a){12}$")), GuardrailAction.BLOCK);

        // when the prompt is checked, then it passes unchanged (the pattern needs an 'a' at the very end)
        String sent = assertTimeoutPreemptively(HANG_GUARD,
                () -> blocking.checkInput(prompt, 11, Instant.EPOCH));
        assertThat(sent).isEqualTo(prompt);
        assertThat(blocking.outcomes()).isEmpty();
    }

    @Test
    void theCatastrophicPatternStillMatchesAndMasksWhatItShould() {
        String prompt = "a".repeat(40) + "!" + "a";
        GuardrailCheck blocking = check(ContentFilter.input(List.of(), List.of("(.*a){12}$")), GuardrailAction.BLOCK);
        GuardrailCheck masking = check(ContentFilter.input(List.of(), List.of("(x+x+)+y")), GuardrailAction.MODIFY);

        GuardrailBlockedException blocked = assertTimeoutPreemptively(HANG_GUARD, () -> catchThrowableOfType(
                GuardrailBlockedException.class, () -> blocking.checkInput(prompt, 11, Instant.EPOCH)));
        String masked = assertTimeoutPreemptively(HANG_GUARD,
                () -> masking.checkInput("x".repeat(5000) + "y and " + "x".repeat(5000), 2500, Instant.EPOCH));

        assertThat(blocked.getMessage()).contains("matches blocked pattern '(.*a){12}$'");
        assertThat(masked).isEqualTo("[removed] and " + "x".repeat(5000));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            (a)\\1                    | uses a backreference ('\\1'), which guardrail patterns do not support (they run in linear time); rewrite it, or list the words as blockedTopics
            (?<w>a)\\k<w>             | uses a backreference ('\\k')
            (?i)secret(?=s)          | uses a lookahead ('(?=...)')
            (?!x)a                   | uses a lookahead ('(?!...)')
            (?<=x)a                  | uses a lookbehind ('(?<=...)')
            (?<!x)a                  | uses a lookbehind ('(?<!...)')
            a*+b                     | uses a possessive quantifier ('*+'), which guardrail patterns do not support (they run in linear time); drop the final '+' to use the plain quantifier ('*')
            \\d{3}+                   | uses a possessive quantifier ('{3}+')
            (?>ab)c                  | uses an atomic group ('(?>...)'), which guardrail patterns do not support (they run in linear time); use a plain group '(?:...)'
            \\p{Alpha}+               | uses the character class '\\p{Alpha}'
            \\p{javaLowerCase}        | uses the character class '\\p{javaLowerCase}'
            [a-z&&[^aeiou]]          | uses a character-class intersection ('[a-z&&[^aeiou]]')
            secret\\Z                 | uses the escape '\\Z', which guardrail patterns do not support (they run in linear time); use \\z or $ for the end of the text
            caf\\u00e9                | write a character as \\x{00e9}
            (?x) a b                 | uses the flag or group '(?x'
            a{1001}                  | uses a repetition count over 1000 ('{1001}')
            ((a{100}){100}){100}     | is too large: its repetitions expand to over a million steps
            ((a{100}){100})          | is too large: its repetitions expand to about 10204 steps per character of text, at most 10000 are allowed
            ([unclosed               | '([unclosed' is not a valid regular expression (missing closing ]
            a{2,1}                   | is not a valid regular expression (invalid repeat count at '{2,1}')
            """)
    void aPatternThatCannotRunInLinearTimeIsRefusedSayingWhyAndWhatToDo(String pattern, String message) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> ContentFilter.input(List.of(), List.of("ok", pattern)));

        assertThat(e).as(pattern).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e.getMessage()).startsWith("content-filter pattern '" + pattern + "' ").contains(message);
    }

    @Test
    void repetitionsThatWouldExhaustMemoryWhileCompilingAreRefusedWithoutCompiling() {
        InvalidRequestException e = assertTimeoutPreemptively(HANG_GUARD, () -> catchThrowableOfType(
                InvalidRequestException.class,
                () -> ContentFilter.input(List.of(), List.of("((((((a{1000}){1000}){1000}){1000}){1000}){1000})"))));

        assertThat(e.getMessage()).contains("is too large").contains("at most 10000");
        assertThat(ContentFilter.input(List.of(), List.of("(([a-z]{30}){30}){10}")).patterns())
                .as("9622 steps: large, but within the bound").hasSize(1);
    }

    @Test
    void overlongPatternsAndTopicsAreRefusedWithoutEchoingThemWhole() {
        String longPattern = "a".repeat(1001);
        String longTopic = "b".repeat(201);

        InvalidRequestException pattern = catchThrowableOfType(InvalidRequestException.class,
                () -> ContentFilter.input(List.of(), List.of(longPattern)));
        InvalidRequestException topic = catchThrowableOfType(InvalidRequestException.class,
                () -> ContentFilter.input(List.of(longTopic), List.of()));

        assertThat(pattern.getMessage()).contains("at most 1000 characters").contains("has 1001")
                .doesNotContain(longPattern);
        assertThat(topic.getMessage()).contains("at most 200 characters").contains("has 201")
                .doesNotContain(longTopic);
    }

    @ParameterizedTest(name = "{0} finds {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            \\b\\d{3}-\\d{2}-\\d{4}\\b       | customer 123-45-6789, please
            (?i)project\\s+(?P<code>\\w+)    | about PROJECT   falcon
            (?<name>top)\\s?secret          | it is top secret
            \\p{Greek}+                     | the word λόγος
            [[:digit:]]{4}                  | card 4242
            ^hello                          | hello world
            (?m)^second$                    | first\\nsecond\\nthird
            \\Qa.b*c\\E                      | literally a.b*c
            caf\\x{e9}                       | un café
            """)
    void patternsInRe2SyntaxMatchAsWritten(String pattern, String text) {
        GuardrailCheck c = check(ContentFilter.input(List.of(), List.of(pattern)), GuardrailAction.WARN);

        c.checkInput(text.replace("\\n", "\n"), 10, Instant.EPOCH);

        assertThat(c.outcomes()).singleElement().satisfies(o ->
                assertThat(o.detail()).isEqualTo("the prompt matches blocked pattern '" + pattern + "'"));
    }

    @Test
    void topicsKeepTheirWholeWordCaseInsensitiveUnicodeMatching() {
        GuardrailCheck c = check(ContentFilter.input(List.of("salary", "École", "c++"), List.of()),
                GuardrailAction.MODIFY);

        // as before RE2/J: only letters, digits and '_' continue a word, so "c+++" holds the topic "c++"
        String masked = c.checkInput("Salary, salaryman, SALARY_X, l'ÉCOLE, écoles, école; c++ and c+++", 20,
                Instant.EPOCH);

        assertThat(masked).isEqualTo("[removed], salaryman, SALARY_X, l'[removed], écoles, [removed]; [removed] and [removed]+");
    }

    // ---- rules stored before patterns had to run in linear time ------------------------------------

    /** A content filter as a store keeps it, with a lookbehind saved before patterns had to run in linear time. */
    static String storedJson(String lookbehind) {
        return "{\"type\":\"content-filter\",\"blockedTopics\":[\"salary\"],\"patterns\":[\""
                + lookbehind.replace("\\", "\\\\") + "\"],\"target\":\"INPUT\"}";
    }

    /** The stored filter as a store reads it (the warning it logs captured). */
    static ContentFilter stored(String lookbehind) throws Exception {
        AtomicReference<GuardrailRule> read = new AtomicReference<>();
        LogCapture.stderrOf(() -> read.set(StoredGuardrails.fromJson(storedJson(lookbehind))));
        return (ContentFilter) read.get();
    }

    @Test
    void aStoredRuleWithAPatternThatCannotRunIsReadAsItWasAndTheWarningIsLogged() throws Exception {
        String lookbehind = "(?<=card )\\d{4}";
        AtomicReference<GuardrailRule> read = new AtomicReference<>();

        String log = LogCapture.stderrOf(() -> read.set(StoredGuardrails.fromJson(storedJson(lookbehind))));

        assertThat(read.get()).isInstanceOfSatisfying(ContentFilter.class, f -> {
            assertThat(f.patterns()).containsExactly(lookbehind);
            assertThat(f.blockedTopics()).containsExactly("salary");
            assertThat(f.target()).isEqualTo(ContentFilter.Target.INPUT);
        });
        assertThat(StoredGuardrails.toJson(read.get())).isEqualTo(storedJson(lookbehind));
        assertThat(log).contains("a stored guardrail's content-filter pattern '(?<=card )\\d{4}' uses a lookbehind")
                .contains("counts as a match");
        InvalidRequestException saved = catchThrowableOfType(InvalidRequestException.class,
                () -> ContentFilter.input(List.of("salary"), List.of(lookbehind)));
        assertThat(saved.getMessage()).as("saving it again is refused").contains("uses a lookbehind");
    }

    @Test
    void aStoredPatternThatCannotRunBlocksTheCallsOfABlockingOrModifyingRuleAndWarnsOtherwise() throws Exception {
        ContentFilter stored = stored("(?<!no )card");
        GuardrailCheck blocking = check(stored, GuardrailAction.BLOCK);
        GuardrailCheck masking = check(stored, GuardrailAction.MODIFY);
        GuardrailCheck warning = check(stored, GuardrailAction.WARN);
        AtomicReference<String> warned = new AtomicReference<>();

        String log = LogCapture.stderrOf(() -> {
            GuardrailBlockedException b = catchThrowableOfType(GuardrailBlockedException.class,
                    () -> blocking.checkInput("hello", 2, Instant.EPOCH));
            GuardrailBlockedException m = catchThrowableOfType(GuardrailBlockedException.class,
                    () -> masking.checkInput("hello", 2, Instant.EPOCH));
            assertThat(List.of(b, m)).allSatisfy(e -> assertThat(e.getMessage())
                    .contains("org guardrail 'f' blocked the request: the prompt cannot be checked: the guardrail's "
                            + "pattern '(?<!no )card' uses a lookbehind")
                    .contains("until an admin changes the guardrail, it counts as a match"));
            warned.set(warning.checkInput("hello", 2, Instant.EPOCH));
        });

        assertThat(warned.get()).as("a warning rule lets the call through").isEqualTo("hello");
        assertThat(warning.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.action()).isEqualTo(GuardrailAction.WARN);
            assertThat(o.detail()).contains("cannot be checked");
        });
        assertThat(masking.outcomes()).extracting(GuardrailOutcome::action).containsExactly(GuardrailAction.BLOCK);
        assertThat(log).contains("org guardrail 'f' warns on the request of org acme: the prompt cannot be checked");
    }
}
