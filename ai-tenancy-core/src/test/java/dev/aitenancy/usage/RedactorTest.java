package dev.aitenancy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedactorTest {

    final Redactor redactor = Redactor.defaults();

    @Test
    void masksPersonalDataAndSecretsButKeepsTheSentence() {
        String in = "Mail ada.lovelace+ai@example.co.uk about https://intranet.example.com/x?id=7, "
                + "key sk-proj-abcDEF0123456789xyz, header Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig, "
                + "hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, "
                + "blob QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w, account 123456789012 "
                + "and my own key PLANTED-raw-key-value.";

        String out = redactor.redact(in, "PLANTED-raw-key-value");

        assertThat(out).startsWith("Mail [email] about [url] key ****, header Bearer ****, hash [secret], "
                + "blob [secret], account [id] and my own key ****.");
        assertThat(out).doesNotContain("ada.lovelace").doesNotContain("intranet").doesNotContain("abcDEF")
                .doesNotContain("PLANTED");
    }

    @Test
    void aLongRunOfAddressCharactersWithoutAnAtSignIsReadOnce() {
        // given a prompt that made the e-mail pattern rescan the run from each of its characters
        String run = "a.".repeat(100_000) + " then bob.smith@example.com";

        // when it is redacted (the bound only guards against a hang)
        String out = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
                () -> new Redactor(300_000).redact(run, null));

        // then the run is kept and the address still masked
        assertThat(out).isEqualTo("a.".repeat(100_000) + " then [email]");
    }

    @Test
    void shortNumbersAndOrdinaryWordsStay() {
        assertThat(redactor.redact("Order 42 of 2026 shipped to Berlin in 3 days.", null))
                .isEqualTo("Order 42 of 2026 shipped to Berlin in 3 days.");
    }

    @Test
    void truncatesToTheByteBudgetWithoutSplittingACharacter() {
        Redactor small = new Redactor(10);

        String out = small.redact("ab€€€€", null);

        assertThat(out).isEqualTo("ab€€");
        assertThat(out.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(10);
        assertThat(new Redactor(0).redact("anything", null)).isEmpty();
        assertThat(redactor.redact(null, null)).isNull();
    }

    @Test
    void skippingPatternsThatCannotMatchChangesNoResult() {
        // the same passes, each always run: what Redactor did before it looked at the text first
        java.util.function.UnaryOperator<String> everyPass = t -> {
            String out = java.util.regex.Pattern.compile(
                    "(?i)(sk-[A-Za-z0-9_*.\\-]{6,}|AIza[0-9A-Za-z_*\\-]{10,}|(?<=bearer )[A-Za-z0-9._~+/=*\\-]{8,})")
                    .matcher(t).replaceAll("****");
            out = java.util.regex.Pattern.compile("(?i)\\b(https?|ftp)://[^\\s\"'<>]+").matcher(out).replaceAll("[url]");
            out = java.util.regex.Pattern.compile("(?<![\\w.%+-])[\\w.%+-]++@[\\w-]+(\\.[\\w-]+)+").matcher(out)
                    .replaceAll("[email]");
            out = java.util.regex.Pattern.compile("\\b[0-9a-fA-F]{32,}\\b").matcher(out).replaceAll("[secret]");
            out = java.util.regex.Pattern.compile("(?<![\\w+/])[A-Za-z0-9+/_-]{40,}={0,2}").matcher(out)
                    .replaceAll("[secret]");
            return java.util.regex.Pattern.compile("\\b\\d{9,}\\b").matcher(out).replaceAll("[id]");
        };
        String[] pieces = {"a", "B", "f", "0", "7", "@", ":", "/", "//", ".", "-", "_", "+", "=", " ", "é", "*",
            "sk-", "SK-", "AIza", "aiza", "Bearer ", "bEaReR ", "https://", "FTP://", "x@y.io", "123456789",
            "deadbeef", "QUJD", "\n", "<", "\""};
        java.util.Random random = new java.util.Random(42);
        Redactor unbounded = new Redactor(1 << 20);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int k = random.nextInt(60); k > 0; k--) {
                String piece = pieces[random.nextInt(pieces.length)];
                text.append(piece.repeat(1 + (random.nextInt(8) == 0 ? random.nextInt(12) : 0)));
            }
            String t = text.toString();
            assertThat(unbounded.redact(t, null)).as("redacting %s", t).isEqualTo(everyPass.apply(t));
        }
    }
}
