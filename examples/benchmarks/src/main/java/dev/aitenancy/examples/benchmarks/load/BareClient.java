package dev.aitenancy.examples.benchmarks.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor: one JDK {@link HttpClient} (HTTP/1.1, defaults otherwise) posting the JSON body the
 * library's OpenAI client sends for the same prompt, and reading the answer as a String. It does
 * not parse the answer, check limits or record anything; the governed call does all of that.
 *
 * <p>A call whose first attempt fails with an {@link IOException} is sent once more, and counted
 * ({@link #retries()}): now and then the JDK client takes a pooled keep-alive connection the server
 * side has just given up, and the POST fails with "header parser received no bytes" (the JDK
 * retries only idempotent requests by itself). The library's client retries such a failure too.
 */
final class BareClient implements Subject {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI uri;
    private final LongAdder retries = new LongAdder();

    BareClient(URI base) {
        this.uri = base.resolve("/v1/chat/completions");
    }

    @Override
    public String name() {
        return "bare";
    }

    private HttpRequest request(long i) {
        String body = "{\"model\":\"" + StandInServer.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"" + Workload.prompt(i) + "\"}],\"max_completion_tokens\":" + Workload.MAX_OUTPUT_TOKENS + "}";
        return HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Authorization", "Bearer sk-bare-0000000000000000000000")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    @Override
    public void call(long i) throws IOException, InterruptedException {
        HttpRequest request = request(i);
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            retries.increment();
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        check(response);
    }

    @Override
    public CompletableFuture<?> callAsync(long i) {
        HttpRequest request = request(i);
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (!(cause instanceof IOException)) {
                        return CompletableFuture.failedFuture(e);
                    }
                    retries.increment();
                    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
                })
                .thenApply(BareClient::check);
    }

    /** Calls sent a second time after an I/O error on the first attempt. */
    long retries() {
        return retries.sum();
    }

    private static HttpResponse<String> check(HttpResponse<String> response) {
        if (response.statusCode() != 200 || response.body().isEmpty()) {
            throw new IllegalStateException("stand-in answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }
}
