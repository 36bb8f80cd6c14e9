package dev.aitenancy.provider;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static dev.aitenancy.testing.LoopbackServer.Reply.silence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.JobRequest;
import dev.aitenancy.LLMJob;
import dev.aitenancy.ProviderException;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.compatible.OpenAiCompatibleClient;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.provider.openai.OpenAiWireContract;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code JobRequest.timeout} as a host sees it: one deadline for the provider step, whatever the
 * retries and the org's fallbacks. (Each client's own deadline is in {@code ProviderContract}.)
 */
class JobDeadlineTest {

    static final Duration DEADLINE = Duration.ofMillis(800);
    static final Duration SLACK = Duration.ofSeconds(1);
    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef PRIMARY = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ProviderId BACKUP_ID = ProviderId.of("backup");
    static final ModelRef BACKUP = ModelRef.of(BACKUP_ID, "llama-3.1-8b");

    final LoopbackServer primary = LoopbackServer.start();
    final LoopbackServer backup = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final LLMJob job;

    JobDeadlineTest() {
        catalog.allow(ACME, PRIMARY).allow(ACME, BACKUP).setDefault(ACME, PRIMARY)
                .setDefaultProvider(ACME, ProviderId.OPENAI).setFallbacks(ACME, List.of(BACKUP));
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-PLANTEDdeadline0123456789"));
        keys.put(ACME, BACKUP_ID, ApiKey.of("backup-key-PLANTED-000000000"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        keys.markVerified(ACME, BACKUP_ID, Instant.now());
        // the library's default retry policy (3 attempts, backoff from 500 ms): what made a 2 s timeout take 7-8 s
        job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(new InMemoryUsageSink())
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(primary.uri("")).build()))
                .provider(OpenAiCompatibleClient.builder(BACKUP_ID, ProviderSettings.builder(backup.uri("")).build())
                        .build())
                .build();
    }

    @AfterEach
    void stop() {
        primary.close();
        backup.close();
    }

    ProviderException runFailing(Duration[] elapsed) throws Exception {
        AtomicReference<ProviderException> e = new AtomicReference<>();
        LogCapture.quietly(() -> {
            long start = System.nanoTime();
            e.set(catchThrowableOfType(ProviderException.class,
                    () -> job.run(JobRequest.builder(ACME, "hi").timeout(DEADLINE).build())));
            elapsed[0] = Duration.ofNanos(System.nanoTime() - start);
        });
        return e.get();
    }

    @Test
    void aProviderThatNeverAnswersEndsTheCallAtItsTimeoutAndNoFallbackStartsAfterIt() throws Exception {
        primary.otherwise(req -> silence());
        Duration[] elapsed = new Duration[1];

        ProviderException e = runFailing(elapsed);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(elapsed[0]).isBetween(DEADLINE, DEADLINE.plus(SLACK));
        assertThat(primary.requests()).hasSize(1);
        assertThat(backup.requests()).as("the deadline has passed: no fallback").isEmpty();
    }

    @Test
    void aFallbackGetsWhatIsLeftOfTheDeadline() throws Exception {
        primary.otherwise(req -> json(503, OpenAiWireContract.error("overloaded", "server_error", null))
                .header("x-should-retry", "false"));
        backup.otherwise(req -> silence());
        Duration[] elapsed = new Duration[1];

        ProviderException e = runFailing(elapsed);

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_TIMEOUT);
        assertThat(e.provider()).isEqualTo(BACKUP_ID.name());
        assertThat(elapsed[0]).isBetween(DEADLINE, DEADLINE.plus(SLACK));
        assertThat(backup.requests()).hasSize(1);
    }
}
