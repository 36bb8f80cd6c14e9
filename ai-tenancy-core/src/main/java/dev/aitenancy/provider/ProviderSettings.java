package dev.aitenancy.provider;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP settings of one provider client. Build with {@link #builder(URI)}; every provider has a
 * sensible default base URL, so hosts usually only change timeouts or point a client at a gateway.
 *
 * <p><b>Base URL.</b> For every provider it is the origin of the provider's API, plus the path
 * prefix a gateway or proxy mounts it under: {@code https://api.openai.com},
 * {@code https://api.anthropic.com}, {@code https://generativelanguage.googleapis.com},
 * {@code https://api.cohere.com}, {@code http://localhost:11434}, {@code https://gw.example.com/openai}.
 * The client appends its API's whole path ({@code /v1/chat/completions}, {@code /v1/messages},
 * {@code /v1beta/models/...}, {@code /v2/chat}). The older form that ended in the API version
 * ({@code https://api.openai.com/v1}, {@code .../v1beta}) is still accepted: a trailing version
 * segment ({@code /v1}, {@code /v2}, {@code /v1beta}, ...) is dropped. A URL that is not http(s) or
 * has a query is refused when the client is built.
 *
 * <p><b>Timeout.</b> A call's timeout — {@code ProviderRequest.timeout}, else
 * {@link #requestTimeout()} — is the deadline of the whole call: every attempt, backoff and
 * {@code retry-after} wait fits inside it. No retry starts unless its wait ends with a tenth of the
 * timeout (at most 1 s) still left, a {@code retry-after} that would end past the deadline is not
 * waited for (the error is reported at once, with its {@code retryAfter}), and when the deadline
 * passes the call fails with {@code AI_PROVIDER_TIMEOUT} at once. It returns within the timeout plus
 * a small slack: the time to fire one timer and cancel the exchange, a few milliseconds on a
 * machine that is not overloaded (the provider contract test allows 1 s on a busy shared one).
 * A stream's timeout is the same deadline until its first token; after that it is the longest
 * silence allowed between two lines of the stream, however long the whole answer takes.
 *
 * @param baseUri        the provider's origin (see above), e.g. {@code https://api.openai.com}
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout the deadline of a call whose request sets none (see above)
 * @param retryPolicy    retries of retryable failures, inside the deadline
 * @param headers        extra headers sent on every request (never put a key here)
 * @param httpClient     a shared client, or null to build one with {@code connectTimeout}
 */
public record ProviderSettings(URI baseUri, Duration connectTimeout, Duration requestTimeout,
        RetryPolicy retryPolicy, Map<String, String> headers, HttpClient httpClient) {

    public ProviderSettings {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        headers = Map.copyOf(headers == null ? Map.of() : headers);
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    public static Builder builder(String baseUri) {
        return new Builder(URI.create(baseUri));
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder(baseUri).connectTimeout(connectTimeout).requestTimeout(requestTimeout)
                .retryPolicy(retryPolicy).httpClient(httpClient);
        headers.forEach(b::header);
        return b;
    }

    /** Builds {@link ProviderSettings}. */
    public static final class Builder {
        private URI baseUri;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(120);
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private HttpClient httpClient;

        private Builder(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
        }

        public Builder baseUri(URI uri) {
            this.baseUri = Objects.requireNonNull(uri, "baseUri");
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        public Builder retryPolicy(RetryPolicy p) {
            this.retryPolicy = p;
            return this;
        }

        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        public ProviderSettings build() {
            return new ProviderSettings(baseUri, connectTimeout, requestTimeout, retryPolicy, headers, httpClient);
        }
    }
}
