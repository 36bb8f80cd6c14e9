package dev.aitenancy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenCounter} against jtokkit itself: for every text, the same count as {@link
 * Encoding#countTokensOrdinary}, whether its pieces were cut by hand, remembered, or left to jtokkit.
 */
class TokenCounterTest {

    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /** Characters that make o200k_base's pattern take each of its branches. */
    private static final String[] BITS = {"a", "b", "z", "A", "Q", "Z", "hello", "World", "HTTP", "Server", "camelCase",
        "0", "7", "42", "1234567", " ", "  ", "\t", "\n", "\r\n", "\n\n", " \n ", "'", "'s", "'S", "'t", "'re", "'VE",
        "'m", "'ll", "'D", "'x", "'", ".", ",", "!", "?", "...", "/", "//", "-", "_", "(", ")", "{", "}", "\"", "#",
        "@", "$", "%", "^", "&", "*", "=", "+", "<", ">", "|", "\\", "~", "`", ";", ":", "[", "]"};

    @Test
    void countsWhatJtokkitCountsForRandomAsciiTexts() {
        TokenCounter counter = TokenCounter.o200k(O200K);
        Random random = new Random(13);
        List<String> differ = new ArrayList<>();
        for (int t = 0; t < 30_000; t++) {
            String s = randomText(random);
            if (counter.count(s) != O200K.countTokensOrdinary(s)) {
                differ.add(s);
            }
        }
        assertThat(differ).isEmpty();
        assertThat(counter.remembered()).isPositive(); // the pieces were cut by hand and remembered
    }

    /** o200k_base's pre-tokenizing pattern as OpenAI publishes it (tiktoken), a second reference for the cuts. */
    private static final Pattern PIECES = Pattern.compile("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?"
            + "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    @Test
    void cutsTheSamePiecesAsThePublishedPattern() {
        Random random = new Random(17);
        List<String> differ = new ArrayList<>();
        for (int t = 0; t < 30_000; t++) {
            String s = randomText(random);
            List<String> expected = new ArrayList<>();
            Matcher m = PIECES.matcher(s);
            while (m.find()) {
                expected.add(m.group());
            }
            List<String> cut = new ArrayList<>();
            for (int i = 0; i < s.length(); ) {
                int end = TokenCounter.pieceEnd(s, i);
                cut.add(s.substring(i, end));
                i = end;
            }
            if (!cut.equals(expected)) {
                differ.add(s);
            }
        }
        assertThat(differ).isEmpty();
    }

    @Test
    void countsWhatJtokkitCountsForEverySingleAndPairOfPrintableCharacters() {
        TokenCounter counter = TokenCounter.o200k(O200K);
        List<String> chars = new ArrayList<>(List.of("\t", "\n", "\r"));
        for (char c = 0x20; c <= 0x7E; c++) {
            chars.add(String.valueOf(c));
        }
        List<String> differ = new ArrayList<>();
        for (String a : chars) {
            for (String b : chars) {
                for (String s : List.of(a, a + b, a + b + a, " " + a + b, a + b + "x", a + b + " ")) {
                    if (counter.count(s) != O200K.countTokensOrdinary(s)) {
                        differ.add(s);
                    }
                }
            }
        }
        assertThat(differ).isEmpty();
    }

    @Test
    void countsProseCodeAndOtherScriptsAsJtokkitDoes() {
        TokenCounter counter = TokenCounter.o200k(O200K);
        List<String> texts = List.of(
                "Summarize ticket 123456 in three bullets",
                "You are a helpful assistant. Don't answer questions you can't; I'm sure they'll ask again.",
                "public static void main(String[] args) {\n    System.out.println(\"hi\");\n}\n",
                "SELECT * FROM ai_generations WHERE org_id = 'acme' AND cost >= 0.25;\r\n",
                "    \n\n\t  trailing   ",
                "https://example.com/a/b?c=d&e=f#g",
                "Ünïcödé text, naïve café, 東京都, emoji 😀 and tabs\tinside",
                "\u000bvertical tab and \f form feed",
                "");
        for (String s : texts) {
            assertThat(counter.count(s)).as(s).isEqualTo(O200K.countTokensOrdinary(s));
            assertThat(counter.count(s)).as("again, from what it remembered: " + s).isEqualTo(O200K.countTokensOrdinary(s));
        }
    }

    @Test
    void remembersAtMostItsBoundAndStillCountsExactlyBeyondIt() {
        TokenCounter counter = TokenCounter.o200k(O200K);
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < TokenCounter.MAX_PIECES + 5_000; i++) {
            words.setLength(0);
            words.append(" w");
            for (int v = i; v > 0; v /= 26) {
                words.append((char) ('a' + v % 26)); // a distinct lower case word per i
            }
            String s = words.toString();
            assertThat(counter.count(s)).isEqualTo(O200K.countTokensOrdinary(s));
        }
        assertThat(counter.remembered()).isEqualTo(TokenCounter.MAX_PIECES);
        String longRun = "!".repeat(TokenCounter.MAX_PIECE_LENGTH + 10) + " done";
        assertThat(counter.count(longRun)).isEqualTo(O200K.countTokensOrdinary(longRun));
    }

    @Test
    void anotherEncodingIsLeftToJtokkit() {
        Encoding cl100k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        TokenCounter counter = TokenCounter.of(cl100k);
        String s = "Summarize ticket 123456 in three bullets, don't you THINK'S so?";
        assertThat(counter.count(s)).isEqualTo(cl100k.countTokensOrdinary(s));
        assertThat(counter.remembered()).isZero();
    }

    /** One to fourteen of {@link #BITS}, drawn at random. */
    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int parts = 1 + random.nextInt(14);
        for (int p = 0; p < parts; p++) {
            text.append(BITS[random.nextInt(BITS.length)]);
        }
        return text.toString();
    }
}
