package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.provider.ProviderRequest;
import dev.aitenancy.provider.internal.CallerRuns;
import dev.aitenancy.provider.openai.OpenAiClient;
import java.util.Arrays;
import java.util.Locale;

/**
 * Splits the load harness's sequential added latency: the bare {@code HttpClient} against the
 * library's {@link OpenAiClient} alone (no governance, the exchange on the caller's thread as a
 * blocking {@code LLMJob.run} runs it), calls interleaved one by one against the same stand-in.
 * What the client adds here is the provider client's share; {@code AdmittedCallsBenchmark} (an
 * in-process provider) gives governance's own share.
 *
 * <pre>
 * ./scripts/test-all.sh -q -pl examples/benchmarks -am -DskipTests exec:exec \
 *   -Dexec.args="-cp %classpath dev.aitenancy.examples.benchmarks.load.ClientOnlyProbe [rounds] [calls per round]"
 * </pre>
 */
public final class ClientOnlyProbe {

    private ClientOnlyProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        try (StandInProcess server = StandInProcess.start(8)) {
            BareClient bare = new BareClient(server.baseUri());
            OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.baseUri()).build());
            ApiKey key = ApiKey.of("sk-probe-0000000000000000000000");
            for (int round = 1; round <= rounds; round++) {
                long[] b = new long[calls];
                long[] c = new long[calls];
                for (int i = 0; i < calls; i++) {
                    long t0 = System.nanoTime();
                    bare.call(i);
                    b[i] = System.nanoTime() - t0;
                    ProviderRequest request = new ProviderRequest("acme", StandInServer.MODEL, null,
                            Workload.prompt(i), Workload.MAX_OUTPUT_TOKENS, null, key, "probe-" + i, null);
                    t0 = System.nanoTime();
                    try (CallerRuns onThisThread = CallerRuns.enter()) {
                        openai.call(request).get();
                    }
                    c[i] = System.nanoTime() - t0;
                }
                Arrays.sort(b);
                Arrays.sort(c);
                System.out.printf(Locale.ROOT, "round %d: p50 bare %.1f µs, library client %.1f µs (+%.1f)%n", round,
                        b[calls / 2] / 1e3, c[calls / 2] / 1e3, (c[calls / 2] - b[calls / 2]) / 1e3);
            }
        }
    }
}
