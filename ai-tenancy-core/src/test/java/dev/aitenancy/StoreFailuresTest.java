package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyStatus;
import dev.aitenancy.keys.StoredKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.RateLimitPermit;
import dev.aitenancy.limits.RateLimitRequest;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageTotals;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store that fails during admission (the rate limiter, the usage sink's started record, the key
 * store while a key is checked) never reaches the caller raw and never leaves a reservation held:
 * the caller gets {@link StoreException} with {@code AI_STORE_UNAVAILABLE}, its message names the
 * step and no internals, and the call still leaves one finished record.
 */
class StoreFailuresTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final String SQL_TEXT = "INSERT INTO ai_rate_counters (org_id) VALUES ('acme')";

    final LoopbackServer server = LoopbackServer.start();
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(Clock.systemUTC(), BudgetAlertListener.NONE);
    final AtomicBoolean storeDown = new AtomicBoolean();

    final InMemoryUsageSink usage = new InMemoryUsageSink();

    /** The usage sink as the job sees it: its started record fails while the store is down, like a database. */
    final UsageLog sink = new UsageLog() {
        @Override
        public void started(UsageRecord record) {
            if (storeDown.get()) {
                throw new IllegalStateException("connection refused: " + SQL_TEXT);
            }
            usage.started(record);
        }

        @Override
        public void finished(UsageRecord record) {
            usage.finished(record);
        }

        @Override
        public UsagePage query(UsageQuery query) {
            return usage.query(query);
        }

        @Override
        public UsageTotals totals(UsageQuery query) {
            return usage.totals(query);
        }

        @Override
        public long export(UsageQuery query, ExportFormat format, java.io.Writer out) {
            return usage.export(query, format, out);
        }

        @Override
        public long purge(OrgId org, Instant before) {
            return usage.purge(org, before);
        }
    };

    StoreFailuresTest() {
        catalog.register(new ModelSpec(MINI, 1_047_576, 32_768, new BigDecimal("0.40"), new BigDecimal("1.60"),
                new BigDecimal("0.10")));
        catalog.allow(ACME, MINI, 2048).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-storefailures000111222333"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("100")));
        server.otherwise(req -> json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":500}}"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    LLMJob job(RateLimiter limiter) {
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(sink).budgetLedger(ledger)
                .rateLimiter(limiter)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                        .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(5)).build()))
                .build();
    }

    @Test
    void aRateLimiterThatFailsRefusesTheCallTypedAndRecordsIt() throws Exception {
        RateLimiter failing = new RateLimiter() {
            @Override
            public RateLimitPermit acquire(RateLimitRequest request) {
                throw new IllegalStateException("pool timed out: " + SQL_TEXT);
            }
        };
        LLMJob job = job(failing);

        String log = LogCapture.quietly(() -> {
            assertThatThrownBy(() -> job.run("Hello", ACME, java.util.Map.of()))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.AI_STORE_UNAVAILABLE);
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.orgId()).isEqualTo("acme");
                        assertThat(e.getMessage()).contains("check the rate limits", "org acme")
                                .doesNotContain("INSERT", "pool timed out");
                    });
            CompletableFuture<JobResult> async = job.runAsync(JobRequest.builder(ACME, "Hello").build());
            assertThat(async).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(StoreException.class);
            List<JobEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            StreamHandle stream = job.stream(JobRequest.builder(ACME, "Hello").build(), events::add);
            assertThat(stream.completion()).failsWithin(Duration.ofSeconds(5));
            assertThat(events).singleElement().isInstanceOfSatisfying(JobEvent.Error.class,
                    e -> assertThat(e.error()).isInstanceOf(StoreException.class));
        });
        assertThat(log.lines().filter(l -> l.startsWith("WARN")).toList()).hasSize(3)
                .allSatisfy(l -> assertThat(l).contains("could not check the rate limits for org acme")
                        .doesNotContain(SQL_TEXT));

        List<UsageRecord> records = usage.query(UsageQuery.of(ACME)).records();
        assertThat(records).hasSize(3).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(UsageStatus.ERROR);
            assertThat(r.errorCode()).isEqualTo("AI_STORE_UNAVAILABLE");
        });
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aStartedRecordThatCannotBeWrittenRefusesTheCallAndReleasesItsReservation() throws Exception {
        LLMJob job = job(null);
        Budget budget = ledger.budgets(ACME).get(0);

        storeDown.set(true);
        String log = LogCapture.quietly(() -> assertThatThrownBy(() -> job.run("Hello", ACME, java.util.Map.of()))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.getMessage())
                        .contains("record the start of the call").doesNotContain("INSERT")));
        assertThat(log).contains("could not record the start of the call for org acme");
        assertThat(server.requests()).as("the provider is not called without a started record").isEmpty();
        assertThat(ledger.spent(budget)).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(usage.query(UsageQuery.of(ACME)).records()).singleElement()
                .satisfies(r -> assertThat(r.errorCode()).isEqualTo("AI_STORE_UNAVAILABLE"));

        // the hold was released: the whole budget is there for the next call
        storeDown.set(false);
        JobResult ok = job.run("Hello", ACME, java.util.Map.of());
        assertThat(ok.billed().amount()).isEqualByComparingTo("0.0012");
        assertThat(ledger.spent(budget)).isEqualByComparingTo("0.0012");
    }

    @Test
    void aKeyStoreThatFailsWhileADueKeyCheckLooksItUpLetsTheCallGoOn() throws Exception {
        java.util.concurrent.atomic.AtomicInteger finds = new java.util.concurrent.atomic.AtomicInteger();
        InMemoryKeyStore stored = new InMemoryKeyStore();
        KeyStore flakyKeys = new KeyStore() {
            @Override
            public java.util.Optional<StoredKey> find(OrgId org, ProviderId provider) {
                if (finds.incrementAndGet() == 2) { // the read before the key check, after the call read the key
                    throw new IllegalStateException("connection reset");
                }
                return stored.find(org, provider);
            }

            @Override
            public void put(OrgId org, ProviderId provider, ApiKey key, String actor) {
                stored.put(org, provider, key, actor);
            }

            @Override
            public boolean delete(OrgId org, ProviderId provider) {
                return stored.delete(org, provider);
            }

            @Override
            public List<ProviderKeyStatus> status(OrgId org) {
                return stored.status(org);
            }

            @Override
            public boolean markVerified(OrgId org, ProviderId provider, Instant at) {
                return stored.markVerified(org, provider, at);
            }
        };
        flakyKeys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-storefailures000111222333")); // never verified
        LLMJob job = LLMJob.builder().keyStore(flakyKeys).modelCatalog(catalog).usageSink(sink)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                        .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(5)).build()))
                .build();

        JobResult r = job.runAsync(JobRequest.builder(ACME, "Hello").build()).get(5, TimeUnit.SECONDS);

        assertThat(r.text()).isEqualTo("fine");
        assertThat(finds).hasValue(2);
        assertThat(server.requests()).singleElement()
                .satisfies(req -> assertThat(req.pathAndQuery()).endsWith("/chat/completions"));
    }
}
