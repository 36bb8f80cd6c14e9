package dev.aitenancy.provider.compatible;

import dev.aitenancy.provider.ForwardingProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.internal.ChatCompletionsFormat;
import dev.aitenancy.provider.internal.HttpProviderClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Any endpoint that speaks OpenAI's Chat Completions format: vLLM, Ollama, LM Studio, OpenRouter,
 * Groq, DeepSeek, or Azure OpenAI through {@link #azure}. Each instance has its own provider name, so
 * an org's keys and models for it are kept apart from OpenAI's.
 *
 * <p>As for every provider, the base URL is the server's origin plus any path prefix it mounts its
 * API under ({@code http://localhost:11434}, {@code https://openrouter.ai/api},
 * {@code https://api.groq.com/openai}); the client appends {@code /v1/chat/completions}. The older
 * form ending in {@code /v1} is still accepted (the version segment is dropped). A server whose API
 * does not live under {@code /v1} sets its paths with {@link Builder#chatPath} and
 * {@link Builder#modelsPath}.
 */
public final class OpenAiCompatibleClient extends ForwardingProviderClient {

    /** How the key is sent. */
    public enum Auth {
        /** {@code Authorization: Bearer <key>} (OpenAI and most compatible servers). */
        BEARER,
        /** {@code api-key: <key>} (Azure OpenAI). */
        API_KEY_HEADER
    }

    private OpenAiCompatibleClient(Builder b) {
        super(new HttpProviderClient(b.id, b.settings, new ChatCompletionsFormat(b.chatPath, b.modelsPath,
                b.auth == Auth.BEARER ? "Authorization" : "api-key", b.auth == Auth.BEARER, b.maxTokensField,
                b.streamUsage)));
    }

    /** A compatible endpoint named {@code id} at {@code settings.baseUri()} (e.g. {@code http://localhost:11434}). */
    public static Builder builder(ProviderId id, ProviderSettings settings) {
        return new Builder(id, settings);
    }

    /**
     * Azure OpenAI's deployment URLs: {@code {resource}/openai/deployments/{deployment}/chat/completions
     * ?api-version=...}, authenticated with the {@code api-key} header. The model an org selects is
     * the deployment name.
     *
     * @param settings   base URL {@code https://{resource}.openai.azure.com}
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
        private String chatPath = "/v1/chat/completions";
        private String modelsPath = "/v1/models";
        private Auth auth = Auth.BEARER;
        private String maxTokensField = "max_tokens";
        private boolean streamUsage = true;

        private Builder(ProviderId id, ProviderSettings settings) {
            this.id = Objects.requireNonNull(id, "id");
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /**
         * Path of the chat endpoint below the base URL; {@code {model}} is replaced by the model.
         * Default {@code /v1/chat/completions}.
         */
        public Builder chatPath(String path) {
            this.chatPath = Objects.requireNonNull(path);
            return this;
        }

        /** Path of the key check (a GET) below the base URL. Default {@code /v1/models}. */
        public Builder modelsPath(String path) {
            this.modelsPath = Objects.requireNonNull(path);
            return this;
        }

        /** How the key is sent. Default {@link Auth#BEARER}. */
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

        /**
         * @throws IllegalArgumentException when the base URL is not an http(s) URL
         */
        public OpenAiCompatibleClient build() {
            return new OpenAiCompatibleClient(this);
        }
    }
}
