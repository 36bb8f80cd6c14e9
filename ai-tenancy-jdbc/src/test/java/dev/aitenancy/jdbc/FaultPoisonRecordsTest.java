package dev.aitenancy.jdbc;

import dev.aitenancy.usage.UsageLog;
import static dev.aitenancy.jdbc.testing.FaultFixtures.INTERNALS;
import static dev.aitenancy.jdbc.testing.FaultFixtures.OK_COST;
import static dev.aitenancy.jdbc.testing.FaultFixtures.billed;
import static dev.aitenancy.jdbc.testing.FaultFixtures.count;
import static dev.aitenancy.jdbc.testing.FaultFixtures.reserved;
import static dev.aitenancy.jdbc.testing.FaultFixtures.spent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.Cost;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.StoreException;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.internal.Json;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault suite (issue 11): poison fields and a database that refuses records. One bad record never
 * blocks the others: fields are checked at the API, cut and cleaned at the sink, and a record the
 * database still refuses is set aside (its reservation settled) while every other record lands.
 */
class FaultPoisonRecordsTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ACME = OrgId.of("acme");
    static final String LONG = "x".repeat(10_000);
    final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    static UsageRecord started(UUID id, String org, String user, String feature, String model, String correlationId,
            String text) {
        return UsageRecord.builder(id, org, T0).userId(user).groupId("group-" + text).provider("openai").model(model)
                .feature(feature).tier("standard" + text).correlationId(correlationId).guardrails(text).inputText(text)
                .build();
    }

    static UsageRecord record(UUID id, String org, String user, String feature, String model, String correlationId,
            String text) {
        return started(id, org, user, feature, model, correlationId, text).finish(UsageStatus.ERROR, TokenUsage.of(10, 5), Cost.usd(OK_COST), Cost.usd(OK_COST),
                "AI_PROVIDER_UNAVAILABLE" + text, "boom " + text, text, T0.plusMillis(50));
    }

    @Test
    void overLongOrControlCharacterFieldsAreRefusedAtTheApiWithInvalidRequest() {
        List<Runnable> poisoned = List.of(
                () -> JobRequest.builder(ACME, "hi").user(LONG).build(),
                () -> JobRequest.builder(ACME, "hi").caller(Caller.user(LONG)).build(),
                () -> JobRequest.builder(ACME, "hi").feature(LONG).build(),
                () -> JobRequest.builder(ACME, "hi").model(LONG).build(),
                () -> JobRequest.builder(ACME, "hi").correlationId(LONG).build(),
                () -> JobRequest.builder(ACME, "hi").correlationId("corr\0id").build(),
                () -> JobRequest.builder(ACME, "hi").user("alice\r\nX-Injected: 1").build());

        for (Runnable build : poisoned) {
            InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, build::run);
            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
            assertThat(e.getMessage()).doesNotContain(LONG.substring(0, 200));
        }
        // exactly at the limits is accepted
        JobRequest atLimits = JobRequest.builder(ACME, "hi").user("u".repeat(JobRequest.MAX_USER_ID_LENGTH))
                .feature("f".repeat(JobRequest.MAX_FEATURE_LENGTH)).model("m".repeat(JobRequest.MAX_MODEL_LENGTH))
                .correlationId("c".repeat(JobRequest.MAX_CORRELATION_ID_LENGTH)).build();
        assertThat(atLimits.correlationId()).hasSize(128);
    }

    /**
     * Records of 10,000-character ids and texts with NUL characters, started and finished directly
     * through the sink, are written cut to their columns and without the NULs.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void poisonFieldsWrittenDirectlyToTheSinkAreCutAndCleanedAndWritten(TestDatabase kind) {
        DataSource ds = databases.open(kind);
        JdbcUsageSink sink = AiTenancyJdbc.create(ds).usageSink(1_000, 50, Duration.ofSeconds(5));
        String nul = "a\0b".repeat(5_000);                // 15,000 characters, 5,000 of them NUL
        String text = "t\0".repeat(60_000);               // 120,000 characters
        UUID viaStart = UUID.randomUUID();
        UUID finishedOnly = UUID.randomUUID();
        sink.started(started(viaStart, "acme", LONG + "\0", LONG, LONG, nul, text));
        sink.finished(record(viaStart, "acme", LONG + "\0", LONG, LONG, nul, text));
        sink.finished(record(finishedOnly, "acme", nul, nul, nul, LONG, text));
        assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();

        Jdbi jdbi = Jdbi.create(ds);
        record Row(String status, int user, int feature, int model, int correlation, int group, int tier, int code,
                int message, int guardrails, int input, int output, boolean anyNul) {
        }
        List<Row> rows = jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_generations ORDER BY correlation_id")
                .map((rs, ctx) -> {
                    List<String> texts = new ArrayList<>();
                    for (String c : List.of("user_id", "feature", "model", "correlation_id", "group_id", "tier",
                            "error_code", "error_message", "guardrails", "input_text", "output_text")) {
                        texts.add(rs.getString(c));
                    }
                    return new Row(rs.getString("status"), texts.get(0).length(), texts.get(1).length(),
                            texts.get(2).length(), texts.get(3).length(), texts.get(4).length(), texts.get(5).length(),
                            texts.get(6).length(), texts.get(7).length(), texts.get(8).length(), texts.get(9).length(),
                            texts.get(10).length(), texts.stream().anyMatch(t -> t.indexOf('\0') >= 0));
                }).list());
        assertThat(rows).containsExactlyInAnyOrder(
                new Row("error", 256, 128, 200, 128, 1000, 64, 64, 2000, 2000, 60_000, 60_000, false),
                new Row("error", 256, 128, 200, 128, 1000, 64, 64, 2000, 2000, 60_000, 60_000, false));
        assertThat(sink.rejectedRecords()).isZero();
        assertThat(sink.droppedRecords()).isZero();
        sink.close();
    }

    /**
     * 500 records of five orgs with three the database refuses among them (first, middle, last, in
     * batches of 50): the three are set aside in ai_usage_rejected and counted, all 500 others land.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRecordTheDatabaseRefusesIsSetAsideAndTheOtherFiveHundredLand(TestDatabase kind) throws Exception {
        DataSource ds = databases.open(kind);
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds);
        jdbc.jdbi().useHandle(h -> h.execute("ALTER TABLE ai_generations ADD CONSTRAINT poison "
                + "CHECK (user_id IS NULL OR user_id <> 'poison')"));
        JdbcUsageSink sink = jdbc.usageSink(2_000, 50, Duration.ofSeconds(5));
        List<UUID> poisonIds = new ArrayList<>();

        String log = LogCapture.quietly(() -> {
            for (int i = 0; i < 503; i++) {
                boolean poison = i == 0 || i == 251 || i == 502;
                UUID id = UUID.randomUUID();
                if (poison) {
                    poisonIds.add(id);
                }
                sink.finished(record(id, "org-" + (i % 5), poison ? "poison" : "u" + i, "f", "gpt-4.1-mini",
                        "c" + i, "text " + i));
            }
            assertThat(sink.flush(Duration.ofSeconds(20))).isTrue();
        });

        Jdbi jdbi = jdbc.jdbi();
        assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_generations")).isEqualTo(500);
        for (int org = 0; org < 5; org++) {
            assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_generations WHERE org_id = 'org-" + org + "'"))
                    .isEqualTo(100);
        }
        assertThat(sink.rejectedRecords()).isEqualTo(3);
        assertThat(sink.writtenRecords()).isEqualTo(503);
        assertThat(sink.droppedRecords()).isZero();
        List<Map<String, Object>> rejected = jdbi.withHandle(h -> h.createQuery(
                "SELECT id, org_id, status, record_json, reason FROM ai_usage_rejected").mapToMap().list());
        assertThat(rejected).hasSize(3);
        assertThat(rejected).extracting(r -> UUID.fromString(String.valueOf(r.get("id"))))
                .containsExactlyInAnyOrderElementsOf(poisonIds);
        for (Map<String, Object> r : rejected) {
            JsonNode json = Json.MAPPER.readTree(String.valueOf(r.get("record_json")));
            assertThat(json.get("user_id").asText()).isEqualTo("poison");
            assertThat(json.get("id").asText()).isEqualTo(String.valueOf(r.get("id")));
            assertThat(String.valueOf(r.get("reason"))).startsWith("SQLState 23").doesNotContain("INSERT")
                    .doesNotContain("UPDATE");
        }
        assertThat(log).contains("set aside in ai_usage_rejected (3 so far)");
        sink.close();
    }

    /**
     * Through a real call, with a hard budget: a call whose start the database refuses is refused
     * (AI_STORE_UNAVAILABLE, no SQL) with its reservation released; a call whose answer the
     * database refuses is set aside, charged what it billed, and leaves no started row behind
     * that could later be settled (and billed again) as abandoned. The ledger equals the records:
     * those in ai_generations plus the set-aside one.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void callsWhoseRecordsTheDatabaseRefusesAreSetAsideAndTheLedgerStillEqualsTheRecords(TestDatabase kind)
            throws Exception {
        DataSource ds = databases.open(kind);
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds);
        jdbc.jdbi().useHandle(h -> {
            h.execute("ALTER TABLE ai_generations ADD CONSTRAINT poison CHECK (user_id IS NULL OR user_id <> 'poison')");
            h.execute("ALTER TABLE ai_generations ADD CONSTRAINT poison_answer "
                    + "CHECK (output_text IS NULL OR output_text <> 'poison answer')");
        });
        JdbcBudgetLedger ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
        ledger.setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("10")));
        JdbcUsageSink sink = jdbc.usageSink(1_000, 50, Duration.ofSeconds(5), Duration.ofSeconds(3));
        Jdbi jdbi = jdbc.jdbi();

        try (LoopbackServer server = LoopbackServer.start()) {
            server.otherwise(req -> req.body().contains("poison-answer")
                    ? LoopbackServer.Reply.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"m\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"poison answer\"},"
                            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}")
                    : FaultFixtures.ok());
            LLMJob job = FaultFixtures.job(server.uri("/v1"), Duration.ofSeconds(10), ACME)
                    .rateLimiter(jdbc.rateLimiter(new RateLimitPolicy(0, 0, 0))).budgetLedger(ledger).usageSink(sink)
                    .build();
            List<JobResult> results = new ArrayList<>();
            StoreException[] refused = new StoreException[1];
            String log = LogCapture.quietly(() -> {
                results.add(job.run(JobRequest.builder(ACME, "fine-1").user("alice").correlationId("fine-1").build()));
                refused[0] = catchThrowableOfType(StoreException.class, () -> job.run(JobRequest.builder(ACME,
                        "refused-start").user("poison").correlationId("poison-start").build()));
                results.add(job.run(JobRequest.builder(ACME, "poison-answer").user("bob")
                        .correlationId("poison-answer").build()));
                results.add(job.run(JobRequest.builder(ACME, "fine-2").user("carol").correlationId("fine-2").build()));
                assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            });

            assertThat(results).extracting(JobResult::text).containsExactly("fine", "poison answer", "fine");
            assertThat(refused[0]).isNotNull();
            assertThat(refused[0].code()).isEqualTo(ErrorCode.AI_STORE_UNAVAILABLE);
            assertThat(refused[0].getMessage()).startsWith("could not record the start of the call for org acme");
            assertThat(INTERNALS).allSatisfy(word -> assertThat(refused[0].getMessage()).doesNotContain(word));
            assertThat(server.requests()).as("the refused call never reached the provider").hasSize(3);
            assertThat(sink.rejectedRecords()).isEqualTo(2);
            assertThat(log).contains("set aside in ai_usage_rejected (2 so far)");
        }

        // the records: two ok in ai_generations; the two refused ones set aside
        assertThat(FaultFixtures.outcomes(jdbi, "org_id = 'acme'")).isEqualTo(Map.of("ok -", 2));
        Map<String, BigDecimal> setAside = new java.util.TreeMap<>();
        for (String json : jdbi.withHandle(h -> h.createQuery("SELECT record_json FROM ai_usage_rejected")
                .mapTo(String.class).list())) {
            JsonNode r = Json.MAPPER.readTree(json);
            JsonNode billedUsd = r.path("billed_usd");
            setAside.put(r.get("correlation_id").asText() + " " + r.get("status").asText(),
                    billedUsd.isNull() || billedUsd.isMissingNode() || billedUsd.asText().isEmpty() ? BigDecimal.ZERO
                            : new BigDecimal(billedUsd.asText()));
        }
        assertThat(setAside.keySet()).containsExactly("poison-answer ok", "poison-start error");
        assertThat(setAside.get("poison-answer ok")).isEqualByComparingTo(OK_COST);
        assertThat(setAside.get("poison-start error")).isEqualByComparingTo("0");

        ledger.close(); // what its budget leases have not lent goes back
        // the ledger: three answers charged, nothing held, and equal to the records
        assertThat(spent(jdbi, ACME)).isEqualByComparingTo(OK_COST.multiply(BigDecimal.valueOf(3)));
        assertThat(spent(jdbi, ACME)).isEqualByComparingTo(billed(jdbi, ACME).add(setAside.get("poison-answer ok")));
        assertThat(reserved(jdbi, ACME)).isEqualByComparingTo("0");
        assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_budget_reservations")).isZero();
        assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_generations WHERE status = 'started'"))
                .as("a set-aside record leaves no started row behind").isZero();

        // the instance stops; a later instance finds nothing of it to settle (and charge again)
        sink.close();
        MutableClock later = new MutableClock(Instant.now().plus(Duration.ofHours(1)));
        JdbcUsageSink survivor = AiTenancyJdbc.create(ds, later, false).usageSink(1_000, 50, Duration.ofSeconds(5),
                Duration.ofSeconds(3));
        assertThat(survivor.settleAbandoned()).isZero();
        survivor.close();
        assertThat(spent(jdbi, ACME)).isEqualByComparingTo(billed(jdbi, ACME).add(setAside.get("poison-answer ok")));
    }
}
