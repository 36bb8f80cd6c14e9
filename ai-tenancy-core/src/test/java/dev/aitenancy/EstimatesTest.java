package dev.aitenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ResolvedModel;
import dev.aitenancy.provider.ProviderId;
import org.junit.jupiter.api.Test;

/**
 * Input tokens before a call: counted with the model's own tokenizer for OpenAI-family models,
 * estimated for the others. "hello world" is 2 tokens in both of OpenAI's chat tokenizers (the
 * example of OpenAI's own token-counting guide); a message adds 4 tokens of framing and the
 * answer's priming 3.
 */
class EstimatesTest {

    static ResolvedModel model(String provider, String name) {
        return new ResolvedModel(ModelRef.of(ProviderId.of(provider), name), 100, null, null, null);
    }

    @Test
    void openAiFamilyModelsAreCountedExactlyWithTheirChatFraming() {
        for (String name : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1-nano", "o3", "o4-mini", "gpt-5",
                "gpt-4-turbo", "gpt-3.5-turbo"}) {
            assertThat(Estimates.input(model("openai", name), null, "hello world")).as(name)
                    .isEqualTo(new Estimates.Input(2 + 4 + 3, true));
            assertThat(Estimates.input(model("openai", name), "hello world", "hello world")).as(name)
                    .isEqualTo(new Estimates.Input(2 + 4 + 2 + 4 + 3, true));
        }
    }

    @Test
    void theSameModelNamesOnAnOpenAiCompatibleEndpointOrAGatewayCountTheSame() {
        assertThat(Estimates.input(model("azure", "gpt-4o"), null, "hello world").exact()).isTrue();
        assertThat(Estimates.input(model("gateway", "openai/gpt-4.1"), null, "hello world"))
                .isEqualTo(new Estimates.Input(9, true));
    }

    @Test
    void whereTheTokenizerMattersCharactersAreAPoorGuide() {
        String digits = "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0"; // 39 characters, a token each
        assertThat(Estimates.tokens(digits)).as("4 characters a token").isEqualTo(10);
        assertThat(Estimates.input(model("openai", "gpt-4.1-mini"), null, digits).tokens()).isEqualTo(39 + 7);
    }

    @Test
    void otherModelsAreEstimatedAtFourCharactersATokenSystemPromptIncluded() {
        for (String[] m : new String[][] {{"anthropic", "claude-sonnet-4-5"}, {"gemini", "gemini-2.5-flash"},
                {"cohere", "command-r"}, {"openai", "gpt-4o"}}) {
            boolean openai = m[0].equals("openai");
            Estimates.Input input = Estimates.input(model(m[0], m[1]), "be brief", "hello world");
            assertThat(input.exact()).as(m[1]).isEqualTo(openai);
            if (!openai) {
                assertThat(input.tokens()).as(m[1]).isEqualTo(2 + 3);
            }
        }
        assertThat(Estimates.input(model("groq", "llama-3.3-70b"), null, "hello world"))
                .isEqualTo(new Estimates.Input(3, false));
    }
}
