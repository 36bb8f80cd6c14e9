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
 * @param baseUri        e.g. {@code https://api.openai.com/v1}
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout default time for a whole non-streamed answer and longest silence in a stream
 * @param retryPolicy    retries of retryable failures
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
