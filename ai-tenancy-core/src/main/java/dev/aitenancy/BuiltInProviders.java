package dev.aitenancy;

import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.anthropic.AnthropicClient;
import dev.aitenancy.provider.cohere.CohereClient;
import dev.aitenancy.provider.gemini.GeminiClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** The clients the library brings, by id, for {@link LLMJob.Builder}. */
final class BuiltInProviders {

    static final List<ProviderId> IDS = List.of(ProviderId.OPENAI, ProviderId.ANTHROPIC, ProviderId.GEMINI,
            ProviderId.COHERE);

    private BuiltInProviders() {
    }

    /** The built-in client of {@code id} with its default settings adjusted by {@code settings}. */
    static ProviderClient client(ProviderId id, UnaryOperator<ProviderSettings.Builder> settings) {
        Objects.requireNonNull(settings, "settings");
        if (ProviderId.OPENAI.equals(id)) {
            return new OpenAiClient(settings.apply(OpenAiClient.defaultSettings()).build());
        }
        if (ProviderId.ANTHROPIC.equals(id)) {
            return new AnthropicClient(settings.apply(AnthropicClient.defaultSettings()).build());
        }
        if (ProviderId.GEMINI.equals(id)) {
            return new GeminiClient(settings.apply(GeminiClient.defaultSettings()).build());
        }
        if (ProviderId.COHERE.equals(id)) {
            return new CohereClient(settings.apply(CohereClient.defaultSettings()).build());
        }
        throw new IllegalArgumentException(id + " is not a built-in provider (openai, anthropic, gemini, cohere); "
                + "register its client with provider(client), e.g. an OpenAiCompatibleClient");
    }
}
