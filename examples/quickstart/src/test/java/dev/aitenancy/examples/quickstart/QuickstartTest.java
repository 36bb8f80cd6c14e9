package dev.aitenancy.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Runs the quickstart end to end against its local stand-in provider and checks what it prints. */
class QuickstartTest {

    @Test
    void theQuickstartShowsEveryStepAgainstTheStandIn() throws Exception {
        for (String var : new String[] {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"}) {
            assumeTrue(System.getenv(var) == null || System.getenv(var).isBlank(),
                    var + " is set: the quickstart would call the real provider");
        }
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            // a fixed clock: no minute boundary can fall between alice's calls and reset her limit
            Quickstart.run(Clock.fixed(Instant.parse("2026-11-24T10:00:05Z"), ZoneOffset.UTC));
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        original.print(printed);

        assertThat(printed).contains("local OpenAI-compatible stand-in at http://127.0.0.1:");
        assertThat(printed).contains("encrypting keys with a throwaway master key");
        assertThat(printed).containsPattern("acme: +ProviderKeyStatus\\[provider=openai, maskedKey=\\*\\*\\*\\*0000, lastVerifiedAt=2026-11-24T10:00:05Z");
        assertThat(printed).contains("== acme runs a job ==").contains("== globex runs a job");
        assertThat(printed).contains("(stand-in) You asked: \"Summarize the benefits of per-tenant API keys");
        assertThat(printed).contains("== acme streams an answer ==").contains("haiku about rate limits");
        assertThat(printed).contains("AI_RATE_LIMITED: Rate limit user alice: 2 requests/minute");
        assertThat(printed).contains("AI_CONFIG_MISSING_API_KEY: no openai API key is configured for org initech");
        assertThat(printed).containsPattern("ok\\s+alice\\s+gpt-4.1-mini\\s+\\d+\\s+\\d+\\s+0\\.\\d+");
        assertThat(printed).containsPattern("error\\s+alice\\s+gpt-4.1-mini.*AI_RATE_LIMITED");
        assertThat(printed).contains("(AI-generated: check before you share it)");
        assertThat(printed).contains("AI_GUARDRAIL_BLOCKED: org guardrail 'no salaries' blocked the request: "
                + "the prompt mentions blocked topic 'salary'");
        assertThat(printed).contains("initech records: 1, globex records: 2");
        assertThat(printed).contains("== bob has a two-turn conversation ==")
                .contains("(stand-in) You asked: \"What should I pack for it?")
                .contains("conversation 'weekend trip' holds 4 messages");
        assertThat(printed).contains("TripPlan[city=(stand-in), days=3, packing=[(stand-in)]]");
        assertThat(printed).contains("== dave's question needs a tool of the host ==")
                .contains("(stand-in) You asked: \"{\"city\":\"(stand-in)\",\"celsius\":21}");
        assertThat(printed).containsPattern("ok\\s+dave\\s+gpt-4.1-mini");
        assertThat(printed).contains("2 vectors of 8 numbers from text-embedding-3-small, 9 tokens, cost 0.00000018 USD");
        assertThat(printed).containsPattern("ok\\s+eve\\s+text-embedding-3-small\\s+9\\s+0");
        assertThat(printed).doesNotContain("sk-standin-acme-0000000000000000");
    }
}
