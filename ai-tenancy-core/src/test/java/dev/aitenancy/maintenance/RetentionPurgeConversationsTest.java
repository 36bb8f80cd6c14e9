package dev.aitenancy.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.chat.Message;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryConversationStore;
import dev.aitenancy.memory.InMemoryJobRuns;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The retention purge deletes the conversations inactive since before its cutoff, with the records. */
class RetentionPurgeConversationsTest {

    static final OrgId ACME = OrgId.of("acme");

    @Test
    void conversationsInactiveSinceBeforeTheCutoffGoWithTheRecords() {
        MutableClock clock = new MutableClock(Instant.parse("2026-09-01T12:00:00Z"));
        InMemoryUsageSink usage = new InMemoryUsageSink();
        InMemoryConversationStore conversations = new InMemoryConversationStore(clock);
        InMemoryAuditSink audit = new InMemoryAuditSink();
        Conversation old = exchange(conversations, usage, clock, "ada");
        clock.advance(Duration.ofDays(50));
        Conversation active = exchange(conversations, usage, clock, "bob");
        clock.advance(Duration.ofDays(20)); // old: 70 days inactive, active: 20
        RetentionPurgeJob job = new RetentionPurgeJob(usage, audit, new InMemoryJobRuns(), clock, Duration.ofDays(30),
                ZoneOffset.UTC, conversations);

        RetentionPurgeJob.Result result = job.run();

        assertThat(result.removed()).isEqualTo(Map.of(ACME, 1L));
        assertThat(result.conversationsRemoved()).isEqualTo(Map.of(ACME, 1L));
        assertThat(conversations.find(ACME, "ada", old.id())).isEmpty();
        assertThat(conversations.find(ACME, "bob", active.id())).isPresent();
        assertThat(audit.query(ACME, Instant.EPOCH, clock.instant().plusSeconds(1), 10)).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("and 1 conversations inactive since before then"));
    }

    private static Conversation exchange(InMemoryConversationStore conversations, InMemoryUsageSink usage,
            MutableClock clock, String user) {
        Conversation c = conversations.create(ACME, user, null);
        UUID id = UUID.randomUUID();
        UsageRecord r = UsageRecord.builder(id, ACME.value(), clock.instant()).userId(user).build();
        usage.finished(r.finish(UsageStatus.OK, TokenUsage.of(1, 1), Cost.unpriced(), null, null, "ok", clock.instant()));
        conversations.append(ACME, user, c.id(), List.of(Message.user("hi"), Message.assistant("hello")), id);
        return c;
    }
}
