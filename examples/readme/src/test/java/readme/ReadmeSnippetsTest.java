package readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.examples.quickstart.StandInProvider;
import dev.aitenancy.keys.SecretCipher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Java block of README.md is one program of this module, shown exactly as written (imports
 * included, the package line left out): the build compiles them, and each runs here in a JVM of its
 * own against the quickstart's stand-in provider ({@code OPENAI_BASE_URL}). A block without its
 * {@code <!-- snippet: Name -->} marker, or one that differs from its program, fails the build;
 * {@code -Daitenancy.readme.write=true} rewrites the README's blocks from the programs.
 */
class ReadmeSnippetsTest {

    static final Path README = Path.of("../../README.md");
    static final Path SOURCES = Path.of("src/main/java/readme");
    static final Pattern BLOCK = Pattern.compile("(?m)^(<!-- snippet: (\\w+) -->\\n)?```java\\n(.*?)^```$",
            Pattern.DOTALL);

    static StandInProvider provider;

    @BeforeAll
    static void start() throws IOException {
        provider = StandInProvider.start();
    }

    @AfterAll
    static void stop() {
        provider.close();
    }

    /** The README's Java blocks by snippet name, in order; a block without a marker is named "". */
    static Map<String, String> blocks() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(Files.readString(README, StandardCharsets.UTF_8));
        int unnamed = 0;
        while (m.find()) {
            out.put(m.group(2) != null ? m.group(2) : "<unmarked " + ++unnamed + ">", m.group(3));
        }
        return out;
    }

    /** A program as the README shows it: the file without its package line and the blank line after it. */
    static String shown(String name) throws IOException {
        String source = Files.readString(SOURCES.resolve(name + ".java"), StandardCharsets.UTF_8);
        return source.replaceFirst("^package readme;\\n\\n", "");
    }

    static List<String> programs() throws IOException {
        try (var files = Files.list(SOURCES)) {
            return files.map(p -> p.getFileName().toString().replace(".java", "")).sorted().toList();
        }
    }

    @Test
    void everyJavaBlockOfTheReadmeIsAProgramOfThisModuleExactly() throws IOException {
        if (Boolean.getBoolean("aitenancy.readme.write")) {
            String readme = Files.readString(README, StandardCharsets.UTF_8);
            Matcher m = BLOCK.matcher(readme);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String name = m.group(2);
                m.appendReplacement(out, Matcher.quoteReplacement(name == null ? m.group()
                        : "<!-- snippet: " + name + " -->\n```java\n" + shown(name) + "```"));
            }
            m.appendTail(out);
            Files.writeString(README, out.toString(), StandardCharsets.UTF_8);
        }
        Map<String, String> blocks = blocks();

        assertThat(blocks.keySet()).as("every Java block names its program; every program is shown once")
                .containsExactlyInAnyOrderElementsOf(programs());
        for (Map.Entry<String, String> b : blocks.entrySet()) {
            assertThat(b.getValue()).as("README block " + b.getKey() + " (-Daitenancy.readme.write=true rewrites it)")
                    .isEqualTo(shown(b.getKey()));
        }
    }

    /** What each program must print when it ran against the stand-in. */
    static final Map<String, String> PRINTS = Map.ofEntries(Map.entry("PreferencesInACall",
                    "gpt-4.1-nano tone:user,maxAnswerTokens:org,model:user"),
            Map.entry("FirstCall", "(stand-in) You asked: \"Summarize Q3 sales in 3 bullets\""),
            Map.entry("JdbcSetup", "(stand-in) You asked: \"Say hello to Bo\""),
            Map.entry("CustomParts", "USD"),
            Map.entry("EverythingACallCanSay", "(stand-in) You asked: \"Draft a reply to Invoice missing\""),
            Map.entry("Streaming", "haiku about rate limits"),
            Map.entry("ChatFeatures", "4 messages kept"),
            Map.entry("GuardrailsSetup", "AI_GUARDRAIL_BLOCKED"),
            Map.entry("Embeddings", "2 vectors of 8, 9 tokens, 0.00000018 USD"));

    @ParameterizedTest
    @MethodSource("programs")
    void eachProgramRunsAsWritten(String name) throws Exception {
        assertThat(PRINTS).as("what " + name + " prints is checked").containsKey(name);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "readme." + name).redirectErrorStream(true);
        pb.environment().put("OPENAI_BASE_URL", provider.baseUri().toString());
        pb.environment().put("OPENAI_API_KEY", "sk-readme-0000000000000000");
        pb.environment().put(SecretCipher.MASTER_KEY_ENV, SecretCipher.generateBase64Key());
        List<String> drop = new ArrayList<>();
        pb.environment().keySet().forEach(k -> {
            if (k.endsWith("_BASE_URL") && !k.equals("OPENAI_BASE_URL")) {
                drop.add(k);
            }
        });
        drop.forEach(pb.environment()::remove);
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String printed = new String(output, StandardCharsets.UTF_8);

        assertThat(p.exitValue()).as(printed).isZero();
        assertThat(printed).contains(PRINTS.get(name)).doesNotContain("Exception");
    }
}
