package dev.aitenancy.examples.quickstart;

import dev.aitenancy.LLMJob;

/** Registers the clients of the providers whose keys are set. */
final class ProviderClients {

    private ProviderClients() {
    }

    static void addConfigured(LLMJob.Builder builder, String anthropicKey, String geminiKey) {
        // Anthropic and Gemini clients are added here once their adapters are part of the build.
    }
}
