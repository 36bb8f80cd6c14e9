package dev.aitenancy.provider.internal;

import dev.aitenancy.internal.Json;
import dev.aitenancy.provider.ProviderRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Where a provider's API is and what every request to it carries. The base URL is the provider's
 * origin (plus a gateway's path prefix, if any); a wire format appends its API's whole path
 * ({@code /v1/chat/completions}, {@code /v1beta/models/...}). A base URL in the older form that ended
 * with an API version ({@code https://api.openai.com/v1}, {@code .../v1beta}) is accepted: the
 * version segment is dropped, since the wire format adds its own.
 */
public final class Endpoint {

    /** A last path segment that is an API version: v1, v2, v1beta, v1alpha2, ... */
    private static final Pattern VERSION_SEGMENT = Pattern.compile("/v\\d+(?:alpha|beta)?\\d*");

    private static final int MAX_RESOLVED = 256;

    private final String base;
    private final boolean plainHttp;
    private final Map<String, String> headers;
    private final Map<String, URI> resolved = new ConcurrentHashMap<>();

    public Endpoint(URI configured, Map<String, String> headers) {
        URI normalized = normalize(configured);
        this.base = normalized.toString();
        this.plainHttp = normalized.getScheme().equals("http");
        this.headers = Map.copyOf(headers);
    }

    /**
     * The base URL as the clients use it: no trailing slash, no trailing API version segment.
     *
     * @throws IllegalArgumentException for a URL that is not http(s), or has a query or fragment
     */
    public static URI normalize(URI configured) {
        String scheme = configured.getScheme() == null ? "" : configured.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || configured.getRawAuthority() == null) {
            throw new IllegalArgumentException("a provider base URL is http(s)://host[:port][/prefix], for example "
                    + "https://api.openai.com; got '" + configured + "'");
        }
        if (configured.getRawQuery() != null || configured.getRawFragment() != null) {
            throw new IllegalArgumentException("a provider base URL has no query or fragment (the client adds the "
                    + "API's path and parameters itself); got '" + configured + "'");
        }
        String path = configured.getRawPath() == null ? "" : configured.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int last = path.lastIndexOf('/');
        if (last >= 0 && VERSION_SEGMENT.matcher(path.substring(last)).matches()) {
            path = path.substring(0, last);
        }
        return URI.create(scheme + "://" + configured.getRawAuthority() + path);
    }

    /** The normalized base URL. */
    public URI base() {
        return URI.create(base);
    }

    /** {@code path} (starting with '/', may carry a query) below the base URL. */
    public URI resolve(String path) {
        URI known = resolved.get(path);
        if (known != null) {
            return known;
        }
        URI uri = URI.create(base + (path.startsWith("/") ? path : "/" + path));
        if (resolved.size() < MAX_RESOLVED) { // a few fixed paths, or one per Azure deployment
            resolved.put(path, uri);
        }
        return uri;
    }

    /**
     * A request to {@code path}: HTTP/1.1 when the base URL is plain {@code http} (a local server or
     * gateway, which would otherwise be offered an h2c upgrade on every request), else the client's
     * version (HTTP/2 where the server supports it).
     */
    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(path));
        return plainHttp ? b.version(HttpClient.Version.HTTP_1_1) : b;
    }

    /** A JSON POST to {@code path} with the correlation id and the configured extra headers. */
    public HttpRequest.Builder postJson(String path, ProviderRequest request, Object body, boolean stream)
            throws IOException {
        return postJson(path, request.correlationId(), body, stream);
    }

    /** A JSON POST to {@code path} with {@code correlationId} (if any) and the configured extra headers. */
    public HttpRequest.Builder postJson(String path, String correlationId, Object body, boolean stream)
            throws IOException {
        return postJson(path, correlationId, Json.MAPPER.writeValueAsBytes(body), stream);
    }

    /** A POST of the JSON {@code body} (UTF-8) to {@code path}, as {@link #postJson(String, String, Object, boolean)}. */
    public HttpRequest.Builder postJson(String path, String correlationId, byte[] body, boolean stream) {
        HttpRequest.Builder b = request(path)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (correlationId != null) {
            b.header("x-correlation-id", correlationId);
        }
        headers.forEach(b::header);
        return b;
    }

    /** A GET of {@code path} with the configured extra headers. */
    public HttpRequest.Builder get(String path) {
        HttpRequest.Builder b = request(path).GET().header("Accept", "application/json");
        headers.forEach(b::header);
        return b;
    }
}
