package dev.aitenancy.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.provider.ProviderSettings;
import dev.aitenancy.provider.anthropic.AnthropicClient;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The one base-URL convention: the origin (plus a gateway prefix); the old versioned form is accepted. */
class EndpointTest {

    static URI normalize(String url) {
        return Endpoint.normalize(URI.create(url));
    }

    @Test
    void aTrailingSlashAndATrailingApiVersionAreDropped() {
        assertThat(normalize("https://api.openai.com")).hasToString("https://api.openai.com");
        assertThat(normalize("https://api.openai.com/")).hasToString("https://api.openai.com");
        assertThat(normalize("https://api.openai.com/v1")).hasToString("https://api.openai.com");
        assertThat(normalize("https://api.openai.com/v1/")).hasToString("https://api.openai.com");
        assertThat(normalize("https://generativelanguage.googleapis.com/v1beta"))
                .hasToString("https://generativelanguage.googleapis.com");
        assertThat(normalize("https://api.cohere.com/v2")).hasToString("https://api.cohere.com");
        assertThat(normalize("https://gw.example.com/openai/v1")).hasToString("https://gw.example.com/openai");
        assertThat(normalize("http://127.0.0.1:11434/v1")).hasToString("http://127.0.0.1:11434");
    }

    @Test
    void aPrefixThatIsNotAVersionIsKept() {
        assertThat(normalize("https://openrouter.ai/api")).hasToString("https://openrouter.ai/api");
        assertThat(normalize("https://gw.example.com/v1/tenant")).hasToString("https://gw.example.com/v1/tenant");
        assertThat(normalize("https://gw.example.com/vertex")).hasToString("https://gw.example.com/vertex");
    }

    @Test
    void aUrlThatCannotBeABaseIsRefusedWithWhatToWrite() {
        assertThatThrownBy(() -> normalize("api.openai.com")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("https://api.openai.com");
        assertThatThrownBy(() -> normalize("https://x.openai.azure.com?api-version=2024-10-21"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no query");
        assertThatThrownBy(() -> new AnthropicClient(ProviderSettings.builder("ftp://example.com").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)://host");
    }

    @Test
    void pathsAreAppendedToTheBase() {
        Endpoint e = new Endpoint(URI.create("https://gw.example.com/openai/v1/"), java.util.Map.of());

        assertThat(e.resolve("/v1/chat/completions")).hasToString("https://gw.example.com/openai/v1/chat/completions");
    }
}
