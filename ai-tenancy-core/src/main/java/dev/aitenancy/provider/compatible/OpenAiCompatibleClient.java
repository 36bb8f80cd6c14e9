package dev.aitenancy.provider.compatible;

import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.ChatCompletionsProvider;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Any endpoint that speaks OpenAI's Chat Completions format under a base URL of the host's choice:
 * vLLM, Ollama ({@code http://localhost:11434/v1}), LM Studio, OpenRouter, Groq, DeepSeek, or Azure
 * OpenAI through {@link #azure}. Each instance has its own provider name, so an org's keys and
 * models for it are kept apart from OpenAI's.
 */
public final class OpenAiCompatibleClient extends ChatCompletionsProvider {

    private OpenAiCompatibleClient(Builder b) {
        super(b.id, b.settings, b.chatPath, b.modelsPath, b.auth, b.maxTokensField, b.streamUsage);
    }

    /** A compatible endpoint named {@code id} at {@code settings.baseUri()} (e.g. {@code .../v1}). */
    public static Builder builder(ProviderId id, ProviderSettings settings) {
        return new Builder(id, settings);
    }

    /**
     * Azure OpenAI's deployment URLs: {@code {resource}/openai/deployments/{deployment}/chat/completions
     * ?api-version=...}, authenticated with the {@code api-key} header. The model an org selects is
     * the deployment name.
     *
     * @param settings   base URI {@code https://{resource}.openai.azure.com}
     * @param apiVersion required by Azure, e.g. {@code 2024-10-21}
     */
    public static OpenAiCompatibleClient azure(ProviderId id, ProviderSettings settings, String apiVersion) {
        String v = URLEncoder.encode(Objects.requireNonNull(apiVersion, "apiVersion"), StandardCharsets.UTF_8);
        return builder(id, settings)
                .chatPath("/openai/deployments/{model}/chat/completions?api-version=" + v)
                .modelsPath("/openai/models?api-version=" + v)
                .auth(Auth.API_KEY_HEADER)
                .maxTokensField("max_completion_tokens")
                .build();
    }

    /** Options of a compatible endpoint. */
    public static final class Builder {
        private final ProviderId id;
        private final ProviderSettings settings;
        private String chatPath = "/chat/completions";
        private String modelsPath = "/models";
        private Auth auth = Auth.BEARER;
        private String maxTokensField = "max_tokens";
        private boolean streamUsage = true;

        private Builder(ProviderId id, ProviderSettings settings) {
            this.id = Objects.requireNonNull(id, "id");
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** Chat path below the base URI; {@code {model}} is replaced by the model. Default {@code /chat/completions}. */
        public Builder chatPath(String path) {
            this.chatPath = Objects.requireNonNull(path);
            return this;
        }

        /** Path of the key check (a GET). Default {@code /models}. */
        public Builder modelsPath(String path) {
            this.modelsPath = Objects.requireNonNull(path);
            return this;
        }

        public Builder auth(Auth a) {
            this.auth = Objects.requireNonNull(a);
            return this;
        }

        /** Name of the output cap field: {@code max_tokens} (default, widest support) or {@code max_completion_tokens}. */
        public Builder maxTokensField(String field) {
            this.maxTokensField = Objects.requireNonNull(field);
            return this;
        }

        /** Whether streams ask for usage with {@code stream_options.include_usage} (default true). */
        public Builder streamUsage(boolean on) {
            this.streamUsage = on;
            return this;
        }

        public OpenAiCompatibleClient build() {
            return new OpenAiCompatibleClient(this);
        }
    }
}
