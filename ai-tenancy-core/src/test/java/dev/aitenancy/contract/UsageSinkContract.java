package dev.aitenancy.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import dev.aitenancy.testing.Concurrently;
import org.junit.jupiter.api.Test;

/** What every usage sink must do: one record per call, its last state wins, nothing crosses orgs. */
public abstract class UsageSinkContract {

    protected static final OrgId ACME = OrgId.of("acme");
    protected static final OrgId GLOBEX = OrgId.of("globex");
    protected static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    protected abstract UsageSink newSink();

    protected static UsageRecord started(OrgId org, Instant at, String user) {
        return new UsageRecord(UUID.randomUUID(), org.value(), user, "openai", "gpt-4.1-mini", "generic-text",
                UsageStatus.STARTED, TokenUsage.UNKNOWN, Cost.unpriced(), null, "corr-" + user, null, null,
                "Summarize [email]", null, at, null);
    }

    @Test
    void aFinishedRecordReplacesItsStartedOne() {
        UsageSink sink = newSink();
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
    void aRefusedCallIsOneFinishedRecordWithUnknownTokensAndNoPrice() {
        UsageSink sink = newSink();
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
        UsageSink sink = newSink();
        for (int i = 0; i < 5; i++) {
            sink.started(started(ACME, T0.plusSeconds(i), "u" + i));
        }
        sink.started(started(GLOBEX, T0.plusSeconds(10), "g"));

        assertThat(sink.recent(ACME, 3)).extracting(UsageRecord::userId).containsExactly("u4", "u3", "u2");
        assertThat(sink.recent(GLOBEX, 10)).extracting(UsageRecord::userId).containsExactly("g");
        assertThat(sink.recent(OrgId.of("initech"), 10)).isEmpty();
    }

    @Test
    void everyRecordOfManyConcurrentCallsLands() throws Exception {
        UsageSink sink = newSink();
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
