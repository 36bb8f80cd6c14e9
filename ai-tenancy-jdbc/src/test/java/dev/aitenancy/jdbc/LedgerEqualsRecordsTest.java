package dev.aitenancy.jdbc;

import dev.aitenancy.usage.UsageLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The budget ledger equals the sum of the records: for every outcome of a call (answered, refused
 * by the provider, timed out, canceled, answered without usage, refused before the provider), and
 * when the database fails after the provider answered. Settlement and the finished record are one
 * unit, written by the sink's writer once the database is back; no caller waits for it.
 */
class LedgerEqualsRecordsTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final String ANSWER = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
            + "\"finish_reason\":\"stop\"}]%s}";
    static final String USAGE = ",\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":500}";

    final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyOutcomeChargesTheLedgerExactlyWhatItsRecordBills(TestDatabase kind) throws Exception {
        DataSource real = databases.open(kind);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        AiTenancyJdbc db = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false);
        JdbcBudgetLedger ledger = db.budgetLedger(BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("1000")));
        JdbcUsageSink sink = db.usageSink();
        int late = 20;
        CountDownLatch lateArrived = new CountDownLatch(late);
        CountDownLatch databaseDown = new CountDownLatch(1);
        CountDownLatch cancelArrived = new CountDownLatch(4);

        try (LoopbackServer server = LoopbackServer.start()) {
            server.otherwise(req -> {
                String body = req.body();
                if (body.contains("late-")) { // answers only once the database is down
                    lateArrived.countDown();
                    await(databaseDown);
                    return LoopbackServer.Reply.json(200, ANSWER.formatted(USAGE));
                }
                if (body.contains("ok-")) {
                    return LoopbackServer.Reply.json(200, ANSWER.formatted(USAGE));
                }
                if (body.contains("nousage-")) {
                    return LoopbackServer.Reply.json(200, ANSWER.formatted(""));
                }
                if (body.contains("bad-")) {
                    return LoopbackServer.Reply.json(400, "{\"error\":{\"message\":\"unsupported parameter\","
                            + "\"type\":\"invalid_request_error\",\"code\":null}}");
                }
                if (body.contains("cancel-")) {
                    cancelArrived.countDown();
                }
                return LoopbackServer.Reply.sse().thenStall(); // slow-* times out, cancel-* waits for its cancel
            });
            LLMJob job = job(ledger, sink, server);

            List<CompletableFuture<JobResult>> calls = new ArrayList<>();
            List<CompletableFuture<JobResult>> toCancel = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(job.runAsync(JobRequest.builder(ACME, "ok-" + i).build()));
                calls.add(job.runAsync(JobRequest.builder(ACME, "nousage-" + i).build()));
                calls.add(job.runAsync(JobRequest.builder(ACME, "bad-" + i).build()));
                calls.add(job.runAsync(JobRequest.builder(ACME, "slow-" + i).timeout(Duration.ofMillis(200)).build()));
                CompletableFuture<JobResult> cancel = job.runAsync(JobRequest.builder(ACME, "cancel-" + i).build());
                calls.add(cancel);
                toCancel.add(cancel);
            }
            assertThat(cancelArrived.await(10, TimeUnit.SECONDS)).isTrue();
            toCancel.forEach(f -> f.cancel(true));
            CompletableFuture.allOf(calls.stream().map(f -> f.handle((r, e) -> r)).toArray(CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
            assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();

            // the database fails after the provider was called and before it answers
            List<CompletableFuture<JobResult>> lateCalls = new ArrayList<>();
            for (int i = 0; i < late; i++) {
                lateCalls.add(job.runAsync(JobRequest.builder(ACME, "late-" + i).build()));
            }
            assertThat(lateArrived.await(10, TimeUnit.SECONDS)).isTrue();
            flaky.down();
            databaseDown.countDown();
            String log = LogCapture.quietly(() -> {
                for (CompletableFuture<JobResult> f : lateCalls) {
                    JobResult r = f.get(10, TimeUnit.SECONDS); // answered although nothing can be settled yet
                    assertThat(r.text()).isEqualTo("fine");
                    assertThat(r.billed().amount()).isPositive();
                }
                assertThat(flaky.refusedOnce().await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(statuses(real)).containsEntry("started", late);
                flaky.up();
                assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
            });
            assertThat(log).doesNotContain("sk-proj-");
        }

        assertThat(statuses(real)).isEqualTo(Map.of("ok", 4 + 4 + late, "error", 4 + 4, "canceled", 4));
        ledger.close(); // what its leases have not lent goes back
        Jdbi jdbi = Jdbi.create(real);
        BigDecimal billed = jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(billed_usd), 0) FROM ai_generations "
                + "WHERE org_id = 'acme'").mapTo(BigDecimal.class).one());
        BigDecimal spent = jdbi.withHandle(h -> h.createQuery("SELECT spent FROM ai_budget_usage WHERE org_id = 'acme'")
                .mapTo(BigDecimal.class).one());
        BigDecimal reserved = jdbi.withHandle(h -> h.createQuery("SELECT reserved FROM ai_budget_usage "
                + "WHERE org_id = 'acme'").mapTo(BigDecimal.class).one());
        int open = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_budget_reservations")
                .mapTo(Integer.class).one());
        assertThat(spent).isEqualByComparingTo(billed);
        assertThat(reserved).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(open).isZero();

        // 1000 in + 500 out at 0.40 / 1.60 USD per 1M = 0.0012 per answered call with usage; a provider
        // error is free; where the tokens stay unknown the worst case the call reserved is charged
        Map<String, List<BigDecimal>> byKind = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT input_text, billed_usd FROM ai_generations").map((rs, ctx) -> byKind
                .computeIfAbsent(rs.getString("input_text").replaceAll("-\\d+$", ""), k -> new ArrayList<>())
                .add(rs.getBigDecimal("billed_usd"))).list());
        assertThat(byKind.get("ok")).hasSize(4).allSatisfy(b -> assertThat(b).isEqualByComparingTo("0.0012"));
        assertThat(byKind.get("late")).hasSize(late).allSatisfy(b -> assertThat(b).isEqualByComparingTo("0.0012"));
        assertThat(byKind.get("bad")).hasSize(4).containsOnlyNulls();
        for (String unknown : List.of("nousage", "slow", "cancel")) {
            assertThat(byKind.get(unknown)).as(unknown).hasSize(4)
                    .allSatisfy(b -> assertThat(b).isGreaterThan(new BigDecimal("0.05"))); // 32,768 output tokens at most
        }
        sink.close();
    }

    private static LLMJob job(JdbcBudgetLedger ledger, JdbcUsageSink sink, LoopbackServer server) {
        InMemoryKeyStore keys = new InMemoryKeyStore();
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-ledger0000111122223333"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
        InMemoryModelCatalog catalog = new InMemoryModelCatalog(ModelRegistry.builtIn());
        catalog.allow(ACME, MINI).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(sink)
                .budgetLedger(ledger)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                        .retryPolicy(RetryPolicy.NONE).requestTimeout(Duration.ofSeconds(30)).build()))
                .build();
    }

    private static Map<String, Integer> statuses(DataSource ds) {
        Map<String, Integer> out = new TreeMap<>();
        Jdbi.create(ds).useHandle(h -> h.createQuery("SELECT status, COUNT(*) AS n FROM ai_generations GROUP BY status")
                .map((rs, ctx) -> out.put(rs.getString("status"), rs.getInt("n"))).list());
        return out;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
