package dev.aitenancy.provider;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

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
 * <p><b>Threads.</b> No thread is started per call. Each attempt is a blocking
 * {@code HttpClient.send} run on {@link #executor()}, by default the library's shared one: a
 * virtual thread per attempt on Java 21 and later; on Java 17–20 a pool of at most 64 daemon
 * threads ({@code ai-tenancy-provider-N}, system property {@code aitenancy.provider.threads}), where
 * attempts beyond it wait in arrival order inside their deadline. A plain attempt holds its thread
 * until its answer is read; a stream only until its response headers arrive. The HttpClient the
 * library builds runs on a bounded pool of its own (16 threads on Java 17–20,
 * {@code aitenancy.provider.httpThreads}; virtual threads on 21+), which also delivers stream events:
 * a {@link ProviderStreamListener} that blocks holds one of those threads meanwhile. (The JDK's {@code sendAsync} is not used: it
 * completes every response on {@code CompletableFuture}'s default pool, which with 1–2 CPUs starts a
 * new thread per response.)
 *
 * @param baseUri        the provider's origin (see above), e.g. {@code https://api.openai.com}
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout the deadline of a call whose request sets none (see above)
 * @param retryPolicy    retries of retryable failures, inside the deadline
 * @param headers        extra headers sent on every request (never put a key here)
 * @param httpClient     a shared client, or null to build one with {@code connectTimeout} (on the
 *                       library's bounded executor)
 * @param executor       runs each attempt's blocking send, or null for the library's (see above); an
 *                       attempt it rejects fails as {@code AI_PROVIDER_OVERLOADED}, retried inside the
 *                       deadline like any overload. A canceled or timed-out attempt interrupts its thread.
 */
public record ProviderSettings(URI baseUri, Duration connectTimeout, Duration requestTimeout,
        RetryPolicy retryPolicy, Map<String, String> headers, HttpClient httpClient, Executor executor) {

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

    /** Settings on the library's executor (as before {@link #executor()} existed). */
    public ProviderSettings(URI baseUri, Duration connectTimeout, Duration requestTimeout, RetryPolicy retryPolicy,
            Map<String, String> headers, HttpClient httpClient) {
        this(baseUri, connectTimeout, requestTimeout, retryPolicy, headers, httpClient, null);
    }

    /**
     * The base URL in the environment variable {@code name} when it is set and not blank, else
     * {@code fallback}: how the built-in clients honour {@code OPENAI_BASE_URL} and the like.
     */
    public static String baseUrlFromEnvironment(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
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
                .retryPolicy(retryPolicy).httpClient(httpClient).executor(executor);
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
        private Executor executor;

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

        /**
         * Runs each attempt's blocking {@code HttpClient.send}; null (the default) for the library's
         * (virtual threads on Java 21+, a bounded pool on 17). Give a bounded one to cap the calls
         * in flight; an attempt it rejects fails as {@code AI_PROVIDER_OVERLOADED}. It must start
         * a task's thread, not run it on the caller's ({@code Runnable::run} would block the caller).
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        public ProviderSettings build() {
            return new ProviderSettings(baseUri, connectTimeout, requestTimeout, retryPolicy, headers, httpClient,
                    executor);
        }
    }
}
