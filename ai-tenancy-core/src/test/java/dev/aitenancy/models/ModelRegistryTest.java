package dev.aitenancy.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.provider.ProviderId;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {

    @Test
    void theBuiltInRegistryKnowsEachProvidersChatModelsWithPerMillionPrices() {
        ModelRegistry r = ModelRegistry.builtIn();

        ModelSpec mini = r.find(ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini")).orElseThrow();
        assertThat(mini.contextWindow()).isEqualTo(1_047_576);
        assertThat(mini.maxOutputTokens()).isEqualTo(32_768);
        assertThat(mini.inputPricePer1M()).isEqualByComparingTo("0.40");
        assertThat(mini.outputPricePer1M()).isEqualByComparingTo("1.60");
        assertThat(mini.cachedInputPricePer1M()).isEqualByComparingTo("0.10");
        assertThat(r.find(ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5"))).isPresent();
        assertThat(r.find(ModelRef.of(ProviderId.GEMINI, "gemini-2.5-flash"))).isPresent();
        assertThat(r.find(ModelRef.of(ProviderId.COHERE, "command-r-plus"))).isPresent();
        assertThat(r.all()).extracting(s -> s.ref().provider().name())
                .containsOnly("openai", "anthropic", "gemini", "cohere");
    }

    @Test
    void anUnknownModelHasNoEntrySoItsCostIsUnpricedNotZero() {
        assertThat(ModelRegistry.builtIn().find(ModelRef.of(ProviderId.OPENAI, "gpt-unknown-9"))).isEmpty();
        ModelSpec noPrice = ModelSpec.unpriced(ModelRef.of(ProviderId.of("ollama"), "llama3"), 8192, 2048);
        assertThat(noPrice.cost(TokenUsage.of(100, 100))).isEqualTo(Cost.unpriced());
    }

    @Test
    void aHostOverrideReplacesTheBuiltInEntryWithoutChangingTheShippedOne() {
        ModelRef ref = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
        ModelSpec negotiated = new ModelSpec(ref, 1_047_576, 32_768, new BigDecimal("0.30"), new BigDecimal("1.20"),
                null);

        ModelRegistry mine = ModelRegistry.builtIn().with(negotiated);

        assertThat(mine.find(ref)).contains(negotiated);
        assertThat(ModelRegistry.builtIn().find(ref).orElseThrow().inputPricePer1M()).isEqualByComparingTo("0.40");
        assertThat(mine.all()).hasSameSizeAs(ModelRegistry.builtIn().all());
    }
}
