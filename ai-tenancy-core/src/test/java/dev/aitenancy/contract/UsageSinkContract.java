package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.util.Set;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.internal.Json;
import dev.aitenancy.usage.DailySummary;
import dev.aitenancy.usage.PricingLine;
import dev.aitenancy.usage.PricingReport;
import java.time.ZoneId;
import dev.aitenancy.usage.ExportFormat;
import dev.aitenancy.usage.UsagePage;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSummaries;
import dev.aitenancy.usage.UsageTotals;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageStatus;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import dev.aitenancy.testing.Concurrently;
import org.junit.jupiter.api.Test;

/** What every usage sink must do: one record per call, its last state wins, nothing crosses orgs. */
public abstract class UsageSinkContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    protected abstract UsageLog newSink();

    protected static UsageRecord started(OrgId org, Instant at, String user) {
        return UsageRecord.builder(UUID.randomUUID(), org.value(), at).userId(user).provider("openai")
                .model("gpt-4.1-mini").feature("generic-text").correlationId("corr-" + user)
                .inputText("Summarize [email]").build();
    }

    @Test
    void aFinishedRecordReplacesItsStartedOne() {
        UsageLog sink = newSink();
        UsageRecord start = started(ACME, T0, "alice");

        sink.started(start);
        sink.finished(start.finish(UsageStatus.OK, new TokenUsage(120L, 30L, 20L), Cost.usd(new BigDecimal("0.0000960")),
                null, null, "Three bullets.", T0.plusMillis(850)));
        List<UsageRecord> records = sink.recent(ACME, 10);

        assertThat(records).hasSize(1);
        UsageRecord r = records.get(0);
        assertThat(r.id()).isEqualTo(start.id());
        assertThat(r.status()).isEqualTo(UsageStatus.OK);
        assertThat(r.usage()).isEqualTo(new TokenUsage(120L, 30L, 20L));
        assertThat(r.cost().amount()).isEqualByComparingTo("0.000096");
        assertThat(r.latency()).isEqualTo(Duration.ofMillis(850));
        assertThat(r.inputText()).isEqualTo("Summarize [email]");
        assertThat(r.outputText()).isEqualTo("Three bullets.");
        assertThat(r.correlationId()).isEqualTo("corr-alice");
        assertThat(r.finishedAt()).isEqualTo(T0.plusMillis(850));
    }

    @Test
    void theCallersGroupsGuardrailOutcomesAndToolCallsAreStoredAndGroupsCanBeFiltered() {
        UsageLog sink = newSink();
        String guardrails = "warn:content-filter:pii; modify:output-modifier:disclaimer";
        UsageRecord both = started(ACME, T0, "alice")
                .withGroupId(UsageRecord.groupIdOf(new Caller("alice", Set.of("support", "sales"), null, Set.of())));
        sink.started(both);
        sink.finished(both.withGuardrails(guardrails).finish(UsageStatus.OK, TokenUsage.of(5, 5), Cost.unpriced(),
                null, null, "ok", T0.plusMillis(10)).withToolCalls("get_weather,lookup")
                .withResponseModel("gpt-4.1-mini-2025-04-14"));
        sink.finished(started(ACME, T0.plusSeconds(1), "bob").withGroupId("salesforce").finish(UsageStatus.OK,
                TokenUsage.of(5, 5), Cost.unpriced(), null, null, "ok", T0.plusSeconds(2)));
        sink.finished(started(ACME, T0.plusSeconds(2), "carol").finish(UsageStatus.OK, TokenUsage.of(5, 5),
                Cost.unpriced(), null, null, "ok", T0.plusSeconds(3)));

        UsageRecord alice = sink.query(UsageQuery.of(ACME).withUser("alice")).records().get(0);

        assertThat(alice.groupId()).isEqualTo("sales,support");
        assertThat(alice.guardrails()).isEqualTo(guardrails);
        assertThat(alice.toolCalls()).isEqualTo("get_weather,lookup");
        assertThat(alice.responseModel()).isEqualTo("gpt-4.1-mini-2025-04-14");
        assertThat(sink.query(UsageQuery.of(ACME).withUser("bob")).records().get(0).toolCalls()).isNull();
        assertThat(sink.query(UsageQuery.of(ACME).withUser("carol")).records().get(0).groupId()).isNull();
        assertThat(sink.query(UsageQuery.of(ACME).withUser("carol")).records().get(0).guardrails()).isNull();
        assertThat(sink.query(UsageQuery.of(ACME).withGroup("sales")).records()).extracting(UsageRecord::userId)
                .as("a whole group id, not a prefix of another").containsExactly("alice");
        assertThat(sink.query(UsageQuery.of(ACME).withGroup("support")).records()).hasSize(1);
        assertThat(sink.query(UsageQuery.of(ACME).withGroup("salesforce")).records()).extracting(UsageRecord::userId)
                .containsExactly("bob");
        assertThat(sink.totals(UsageQuery.of(ACME).withGroup("sal%")).requests()).isZero();
        assertThat(UsageRecord.groupIdOf(Caller.ANONYMOUS)).isNull();
    }

    @Test
    void aRecordIsFoundByItsIdOnlyInItsOwnOrg() {
        UsageLog sink = newSink();
        UsageRecord acme = started(ACME, T0, "alice");
        UsageRecord globex = started(GLOBEX, T0, "gail");
        sink.finished(acme.finish(UsageStatus.OK, TokenUsage.of(3, 4), Cost.unpriced(), null, null, "ok", T0.plusMillis(5)));
        sink.finished(globex.finish(UsageStatus.OK, TokenUsage.of(3, 4), Cost.unpriced(), null, null, "ok", T0.plusMillis(5)));

        assertThat(sink.find(ACME, acme.id())).hasValueSatisfying(r -> {
            assertThat(r.userId()).isEqualTo("alice");
            assertThat(r.outputText()).isEqualTo("ok");
        });
        assertThat(sink.find(ACME, globex.id())).as("another org's record").isEmpty();
        assertThat(sink.find(ACME, UUID.randomUUID())).isEmpty();
    }

    @Test
    void aRefusedCallIsOneFinishedRecordWithUnknownTokensAndNoPrice() {
        UsageLog sink = newSink();
        UsageRecord refused = started(ACME, T0, "bob").finish(UsageStatus.ERROR, TokenUsage.UNKNOWN, Cost.unpriced(),
                "AI_RATE_LIMITED", "Rate limit user bob: 30 requests/minute reached", null, T0.plusMillis(2));

        sink.finished(refused);
        UsageRecord r = sink.recent(ACME, 10).get(0);

        assertThat(r.status()).isEqualTo(UsageStatus.ERROR);
        assertThat(r.errorCode()).isEqualTo("AI_RATE_LIMITED");
        assertThat(r.usage()).isEqualTo(TokenUsage.UNKNOWN);
        assertThat(r.cost().isPriced()).isFalse();
    }

    @Test
    void recentIsNewestFirstLimitedAndPerOrg() {
        UsageLog sink = newSink();
        for (int i = 0; i < 5; i++) {
            sink.started(started(ACME, T0.plusSeconds(i), "u" + i));
        }
        sink.started(started(GLOBEX, T0.plusSeconds(10), "g"));

        assertThat(sink.recent(ACME, 3)).extracting(UsageRecord::userId).containsExactly("u4", "u3", "u2");
        assertThat(sink.recent(GLOBEX, 10)).extracting(UsageRecord::userId).containsExactly("g");
        assertThat(sink.recent(OrgId.of("initech"), 10)).isEmpty();
    }

    /** 12 finished records of acme and 2 of globex, with different providers, users, outcomes and texts. */
    protected static void seed(UsageLog sink) {
        for (int i = 0; i < 12; i++) {
            UsageRecord s = UsageRecord.builder(UUID.randomUUID(), ACME.value(), T0.plusSeconds(i * 60L))
                    .userId(i % 3 == 0 ? "alice" : "bob").provider(i % 2 == 0 ? "openai" : "anthropic")
                    .model(i % 2 == 0 ? "gpt-4.1-mini" : "claude-haiku-4-5").feature(i < 6 ? "summaries" : "support")
                    .tier(i % 2 == 0 ? "standard" : null).correlationId("corr-" + i)
                    .inputText(i == 7 ? "Quarterly REPORT for 100%_done" : "prompt " + i).build();
            boolean failed = i % 4 == 3;
            sink.finished(s.finish(failed ? UsageStatus.ERROR : UsageStatus.OK,
                    failed ? TokenUsage.UNKNOWN : TokenUsage.of(100, 10L * i),
                    failed || i == 2 ? Cost.unpriced() : Cost.usd(new BigDecimal("0.25")),
                    failed ? "AI_PROVIDER_UNAVAILABLE" : null, failed ? "upstream said no" : null, "answer " + i,
                    s.startedAt().plusMillis(100L * (i + 1))));
        }
        for (int i = 0; i < 2; i++) {
            sink.finished(started(GLOBEX, T0.plusSeconds(i), "gus").finish(UsageStatus.OK, TokenUsage.of(1, 1),
                    Cost.usd(BigDecimal.ONE), null, null, "Quarterly report", T0.plusSeconds(i + 1)));
        }
    }

    private static UsageRecord call(OrgId org, String user, String tier, String provider, String model,
            UsageStatus status, String cost, String billed, Instant at) {
        UsageRecord s = UsageRecord.builder(UUID.randomUUID(), org.value(), at).userId(user).provider(provider)
                .model(model).feature("generic-text").tier(tier).correlationId("c").inputText("q").build();
        if (status == UsageStatus.STARTED) {
            return s;
        }
        return s.finish(status, cost == null ? TokenUsage.UNKNOWN : TokenUsage.of(10, 10),
                cost == null ? Cost.unpriced() : Cost.usd(new BigDecimal(cost)),
                billed == null ? Cost.unpriced() : Cost.usd(new BigDecimal(billed)),
                status == UsageStatus.ERROR ? "AI_PROVIDER_UNAVAILABLE" : null, null, "a", at.plusMillis(100));
    }

    /** 14 finished records of acme in 2026-11-24 (UTC), and records that must not count. */
    private static void seedPricing(UsageLog sink) {
        Instant day = Instant.parse("2026-11-24T00:00:00Z");
        sink.finished(call(ACME, "alice", "standard", "openai", "gpt-4.1-mini", UsageStatus.OK, "0.30", "0.45",
                day.plus(Duration.parse("PT9H10M"))));
        sink.finished(call(ACME, "alice", "standard", "openai", "gpt-4.1-mini", UsageStatus.OK, "0.20", "0.30",
                day.plus(Duration.parse("PT9H40M"))));
        sink.finished(call(ACME, "bob", "premium", "anthropic", "claude-sonnet-4-5", UsageStatus.OK, "1.00", "1.50",
                day.plus(Duration.parse("PT14H5M"))));
        sink.finished(call(ACME, "bob", "premium", "anthropic", "claude-sonnet-4-5", UsageStatus.ERROR, null, null,
                day.plus(Duration.parse("PT14H20M"))));
        sink.finished(call(ACME, "carol", null, "openai", "gpt-4.1-mini", UsageStatus.CANCELED, "0.10", "0.10",
                day.plus(Duration.parse("PT23H30M"))));
        sink.finished(call(ACME, "dave", null, "custom", "local-llm", UsageStatus.OK, null, null,
                day.plus(Duration.parse("PT9H50M"))));
        sink.finished(call(ACME, null, null, null, null, UsageStatus.ERROR, null, null,
                day.plus(Duration.parse("PT10H"))));
        for (int i = 1; i <= 7; i++) {
            sink.finished(call(ACME, "u0" + i, "basic", "openai", "gpt-4.1-nano", UsageStatus.OK, "0.01", "0.01",
                    day.plus(Duration.parse("PT12H" + i + "M"))));
        }
        // not counted: in flight, before the period, at its end, another org
        sink.started(call(ACME, "alice", "standard", "openai", "gpt-4.1-mini", UsageStatus.STARTED, null, null,
                day.plus(Duration.parse("PT13H"))));
        sink.finished(call(ACME, "alice", "standard", "openai", "gpt-4.1-mini", UsageStatus.OK, "5", "5",
                day.minusSeconds(1)));
        sink.finished(call(ACME, "bob", "premium", "openai", "gpt-4.1-mini", UsageStatus.OK, "5", "5",
                day.plus(Duration.ofDays(1))));
        sink.finished(call(GLOBEX, "bob", "premium", "openai", "gpt-4.1-mini", UsageStatus.OK, "5", "5",
                day.plus(Duration.parse("PT10H"))));
    }

    private static PricingLine line(String key, long requests, String cost, String billed, long unpriced,
            long unbilled) {
        return new PricingLine(key, requests, new BigDecimal(cost), new BigDecimal(billed), unpriced, unbilled);
    }

    @Test
    void aPricingReportGivesExactCostByTierUserAndModelPeakHoursAveragesAndTopUsers() {
        UsageLog sink = newSink();
        seedPricing(sink);
        Instant from = Instant.parse("2026-11-24T00:00:00Z");
        Instant to = Instant.parse("2026-11-25T00:00:00Z");

        PricingReport r = sink.pricingReport(ACME, from, to, ZoneId.of("Europe/Berlin"));

        assertThat(r.total()).isEqualTo(line(null, 14, "1.67", "2.42", 3, 3));
        assertThat(r.byTier()).containsExactly(line("premium", 2, "1", "1.5", 1, 1),
                line("standard", 2, "0.5", "0.75", 0, 0), line(null, 3, "0.1", "0.1", 2, 2),
                line("basic", 7, "0.07", "0.07", 0, 0));
        assertThat(r.byModel()).containsExactly(line("anthropic/claude-sonnet-4-5", 2, "1", "1.5", 1, 1),
                line("openai/gpt-4.1-mini", 3, "0.6", "0.85", 0, 0), line("openai/gpt-4.1-nano", 7, "0.07", "0.07", 0, 0),
                line("custom/local-llm", 1, "0", "0", 1, 1), line(null, 1, "0", "0", 1, 1));
        assertThat(r.byUser()).hasSize(12);
        assertThat(r.byUser().subList(0, 4)).containsExactly(line("bob", 2, "1", "1.5", 1, 1),
                line("alice", 2, "0.5", "0.75", 0, 0), line("carol", 1, "0.1", "0.1", 0, 0),
                line("u01", 1, "0.01", "0.01", 0, 0));
        assertThat(r.byUser().subList(10, 12)).containsExactly(line("dave", 1, "0", "0", 1, 1),
                line(null, 1, "0", "0", 1, 1));
        assertThat(r.users()).isEqualTo(11);
        assertThat(r.topUsers()).as("the top tenth of 11 users is 2 users")
                .extracting(PricingLine::key).containsExactly("bob", "alice");
        assertThat(r.averageCostPerRequest()).as("1.67 over 11 priced requests").isEqualTo(new BigDecimal("0.1518181818"));
        assertThat(r.averageBilledPerRequest()).isEqualTo(new BigDecimal("0.22"));
        assertThat(r.averageCostPerUser()).isEqualTo(new BigDecimal("0.1518181818"));
        assertThat(r.averageBilledPerUser()).isEqualTo(new BigDecimal("0.22"));
        assertThat(r.byHour()).hasSize(24);
        assertThat(r.byHour()).filteredOn(h -> h.requests() > 0).containsExactly(new PricingReport.HourlyRequests(0, 1),
                new PricingReport.HourlyRequests(10, 3), new PricingReport.HourlyRequests(11, 1),
                new PricingReport.HourlyRequests(13, 7), new PricingReport.HourlyRequests(15, 2));
        assertThat(r.peakHours()).containsExactly(13);

        PricingReport india = sink.pricingReport(ACME, from, to, ZoneId.of("+05:30"));
        assertThat(india.byHour()).filteredOn(h -> h.requests() > 0).containsExactly(
                new PricingReport.HourlyRequests(5, 1), new PricingReport.HourlyRequests(14, 1),
                new PricingReport.HourlyRequests(15, 3), new PricingReport.HourlyRequests(17, 7),
                new PricingReport.HourlyRequests(19, 2));
        assertThat(sink.pricingReport(ACME, from, to, ZoneId.of("UTC")).peakHours()).containsExactly(12);
    }

    @Test
    void aPricingReportCountsHoursInTheZonesOwnOffsetOnEachSideOfADaylightSavingChange() {
        UsageLog sink = newSink();
        // Berlin moves from UTC+1 to UTC+2 on 2026-03-29
        sink.finished(call(ACME, "alice", null, "openai", "gpt-4.1-mini", UsageStatus.OK, "0.1", "0.1",
                Instant.parse("2026-03-28T10:00:00Z")));
        sink.finished(call(ACME, "alice", null, "openai", "gpt-4.1-mini", UsageStatus.OK, "0.1", "0.1",
                Instant.parse("2026-03-30T10:00:00Z")));

        PricingReport r = sink.pricingReport(ACME, Instant.parse("2026-03-01T00:00:00Z"),
                Instant.parse("2026-04-01T00:00:00Z"), ZoneId.of("Europe/Berlin"));

        assertThat(r.byHour()).filteredOn(h -> h.requests() > 0).containsExactly(
                new PricingReport.HourlyRequests(11, 1), new PricingReport.HourlyRequests(12, 1));
        assertThat(r.peakHours()).containsExactly(11, 12);
    }

    @Test
    void aPricingReportOfAnEmptyPeriodHasNoAveragesAndABadPeriodIsRefused() {
        UsageLog sink = newSink();
        seedPricing(sink);
        Instant from = Instant.parse("2026-11-20T00:00:00Z");

        PricingReport empty = sink.pricingReport(ACME, from, from.plusSeconds(3600), ZoneId.of("UTC"));

        assertThat(empty.total()).isEqualTo(line(null, 0, "0", "0", 0, 0));
        assertThat(empty.byUser()).isEmpty();
        assertThat(empty.topUsers()).isEmpty();
        assertThat(empty.averageCostPerRequest()).isNull();
        assertThat(empty.averageCostPerUser()).isNull();
        assertThat(empty.peakHours()).isEmpty();
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> sink.pricingReport(ACME, from, from, ZoneId.of("UTC")));
        assertThat(e.code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
        assertThat(e.getMessage()).contains("must end after it starts");
    }

    @Test
    void queriesFilterByEveryFieldAndNeverCrossOrgs() {
        UsageLog sink = newSink();
        seed(sink);
        UsageQuery all = UsageQuery.of(ACME);

        assertThat(sink.query(all).records()).hasSize(12);
        assertThat(sink.query(all.withProvider("anthropic")).records()).hasSize(6)
                .allMatch(r -> r.model().equals("claude-haiku-4-5"));
        assertThat(sink.query(all.withModel("gpt-4.1-mini")).records()).hasSize(6);
        assertThat(sink.query(all.withFeature("support")).records()).hasSize(6);
        assertThat(sink.query(all.withStatus(UsageStatus.ERROR)).records()).extracting(UsageRecord::correlationId)
                .containsExactly("corr-11", "corr-7", "corr-3");
        assertThat(sink.query(all.withUser("alice")).records()).hasSize(4).allMatch(r -> r.userId().equals("alice"));
        assertThat(sink.query(all.between(T0.plusSeconds(120), T0.plusSeconds(300))).records())
                .extracting(UsageRecord::correlationId).containsExactly("corr-4", "corr-3", "corr-2");
        assertThat(sink.query(all.withCorrelationId("corr-5")).records()).hasSize(1);
        assertThat(sink.query(all.withText("quarterly report")).records()).extracting(UsageRecord::correlationId)
                .containsExactly("corr-7");
        assertThat(sink.query(all.withText("100%_d")).records()).hasSize(1);
        assertThat(sink.query(all.withText("upstream SAID")).records()).hasSize(3);
        assertThat(sink.query(all.withText("%")).records()).as("% is a character, not a wildcard").hasSize(1);
        assertThat(sink.query(UsageQuery.of(GLOBEX)).records()).hasSize(2);
    }

    @Test
    void pagesAreNewestFirstAndTogetherHoldEveryRecordOnce() {
        UsageLog sink = newSink();
        seed(sink);
        UsageQuery q = UsageQuery.of(ACME).withPageSize(5);

        UsagePage first = sink.query(q);
        UsagePage second = sink.query(q.after(first));
        UsagePage third = sink.query(q.after(second));

        assertThat(first.records()).hasSize(5);
        assertThat(second.records()).hasSize(5);
        assertThat(third.records()).hasSize(2);
        assertThat(third.hasMore()).isFalse();
        List<String> ids = new ArrayList<>();
        for (UsagePage p : List.of(first, second, third)) {
            p.records().forEach(r -> ids.add(r.correlationId()));
        }
        assertThat(ids).containsExactly("corr-11", "corr-10", "corr-9", "corr-8", "corr-7", "corr-6", "corr-5",
                "corr-4", "corr-3", "corr-2", "corr-1", "corr-0");
        assertThat(catchThrowableOfType(InvalidRequestException.class,
                () -> sink.query(new UsageQuery(ACME, null, null, null, null, null, null, null, null, null, 5,
                        "not-a-cursor"))).code()).isEqualTo(ErrorCode.AI_INVALID_REQUEST);
    }

    @Test
    void totalsSumKnownTokensAndCostAndCountWhatIsUnpriced() {
        UsageLog sink = newSink();
        seed(sink);

        UsageTotals all = sink.totals(UsageQuery.of(ACME));
        UsageTotals openai = sink.totals(UsageQuery.of(ACME).withProvider("openai"));

        // ok records: i = 0,1,2,4,5,6,8,9,10 (9); failed: 3,7,11 with unknown tokens
        assertThat(all.requests()).isEqualTo(12);
        assertThat(all.inputTokens()).isEqualTo(900);
        assertThat(all.outputTokens()).isEqualTo(10L * (0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10));
        assertThat(all.averageLatencyMillis()).isEqualTo(650.0);
        assertThat(all.costUsd()).isEqualByComparingTo("2.00");
        assertThat(all.unpricedRequests()).isEqualTo(4);
        assertThat(openai.requests()).isEqualTo(6);
        assertThat(openai.unpricedRequests()).isEqualTo(1);
        assertThat(sink.totals(UsageQuery.of(OrgId.of("initech"))).requests()).isZero();
    }

    @Test
    void exportsStreamEveryMatchingRecordAsCsvOrJsonLines() throws Exception {
        UsageLog sink = newSink();
        seed(sink);
        StringWriter csv = new StringWriter();
        StringWriter jsonl = new StringWriter();

        long csvRows = sink.export(UsageQuery.of(ACME).withPageSize(2), ExportFormat.CSV, csv);
        long jsonRows = sink.export(UsageQuery.of(ACME).withStatus(UsageStatus.ERROR), ExportFormat.JSON_LINES, jsonl);

        String[] lines = csv.toString().split("\r\n");
        assertThat(csvRows).as("the page size does not limit an export").isEqualTo(12);
        assertThat(lines).hasSize(13);
        assertThat(lines[0]).startsWith("id,org_id,user_id,provider,model");
        assertThat(lines[1]).contains(",corr-11,");
        assertThat(lines[0]).endsWith(",group_id,guardrails,tool_calls,operation,preferences,response_model");
        assertThat(lines[1].split(",", -1)).hasSize(27);
        assertThat(csv.toString()).contains(",Quarterly REPORT for 100%_done,answer 7,,,,chat,,\r\n");
        assertThat(jsonRows).isEqualTo(3);
        List<String> objects = jsonl.toString().lines().toList();
        assertThat(objects).hasSize(3);
        JsonNode first = Json.MAPPER.readTree(objects.get(0));
        assertThat(first.get("correlation_id").asText()).isEqualTo("corr-11");
        assertThat(first.get("input_tokens").isNull()).isTrue();
        assertThat(first.get("error_code").asText()).isEqualTo("AI_PROVIDER_UNAVAILABLE");
    }

    @Test
    void purgeRemovesOnlyTheOrgsOlderRecordsAndSaysHowMany() {
        UsageLog sink = newSink();
        seed(sink);

        long removed = sink.purge(ACME, T0.plusSeconds(5 * 60));

        assertThat(removed).isEqualTo(5);
        assertThat(sink.totals(UsageQuery.of(ACME)).requests()).isEqualTo(7);
        assertThat(sink.totals(UsageQuery.of(GLOBEX)).requests()).isEqualTo(2);
        assertThat(sink.purge(ACME, T0.plusSeconds(5 * 60))).isZero();
    }

    @Test
    void dailySummariesAreExactRebuildableAndSafeToRunConcurrently() throws Exception {
        UsageLog sink = newSink();
        seed(sink);
        sink.finished(started(ACME, T0.minus(Duration.ofDays(1)), "alice").finish(UsageStatus.OK, TokenUsage.of(7, 3),
                Cost.usd(BigDecimal.ONE), null, null, null, T0.minus(Duration.ofDays(1)).plusSeconds(1)));
        UsageSummaries summaries = (UsageSummaries) sink;
        LocalDate day = LocalDate.of(2026, 11, 24);

        summaries.summarize(day);
        summaries.summarize(day.minusDays(1));
        Concurrently.run(4, t -> summaries.summarize(day));
        List<DailySummary> rows = summaries.daily(ACME, day.minusDays(1), day);

        // 2026-11-24: openai/gpt-4.1-mini: i = 0,2,4,6,8,10 (alice at 0 and 6, bob otherwise)
        DailySummary aliceMini = rows.stream().filter(r -> r.day().equals(day) && r.userId().equals("alice")
                && r.model().equals("gpt-4.1-mini")).findFirst().orElseThrow();
        assertThat(aliceMini.requests()).isEqualTo(2);
        assertThat(aliceMini.errors()).isZero();
        assertThat(aliceMini.inputTokens()).isEqualTo(200);
        assertThat(aliceMini.outputTokens()).isEqualTo(60);
        assertThat(aliceMini.costUsd()).isEqualByComparingTo("0.5");
        assertThat(rows.stream().filter(r -> r.day().equals(day)).mapToLong(DailySummary::requests).sum())
                .isEqualTo(12);
        assertThat(rows.stream().filter(r -> r.day().equals(day)).mapToLong(DailySummary::errors).sum()).isEqualTo(3);
        assertThat(rows.stream().filter(r -> r.day().equals(day.minusDays(1))).toList()).singleElement()
                .satisfies(r -> assertThat(r.inputTokens()).isEqualTo(7));
        assertThat(summaries.daily(GLOBEX, day, day)).extracting(DailySummary::requests).containsExactly(2L);
    }

    @Test
    void everyRecordOfManyConcurrentCallsLands() throws Exception {
        UsageLog sink = newSink();
        int threads = 8;
        int perThread = 50;
        Concurrently.run(threads, id -> {
            for (int i = 0; i < perThread; i++) {
                UsageRecord s = started(ACME, T0.plusMillis(id * 1000L + i), "t" + id);
                sink.started(s);
                UsageStatus outcome = i % 3 == 0 ? UsageStatus.ERROR : i % 3 == 1 ? UsageStatus.OK
                        : UsageStatus.CANCELED;
                sink.finished(s.finish(outcome, TokenUsage.of(10, i), Cost.unpriced(), null, null, null,
                        s.startedAt().plusMillis(5)));
            }
        });

        List<UsageRecord> all = sink.recent(ACME, 10_000);
        assertThat(all).hasSize(threads * perThread);
        assertThat(all).noneMatch(r -> r.status() == UsageStatus.STARTED);
        assertThat(all).filteredOn(r -> r.status() == UsageStatus.OK).hasSize(threads * 17);
    }
}
