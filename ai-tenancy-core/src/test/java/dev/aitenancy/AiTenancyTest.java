package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageRecord;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one-statement setup: a first call needs the setup, one key, one model and the call. */
class AiTenancyTest {

    static final OrgId ACME = OrgId.of("acme");
    static final String KEY = "sk-proj-ACMEplanted000111222333444555";

    final LoopbackServer server = LoopbackServer.start().otherwise(req -> req.pathAndQuery().startsWith("/v1/models")
            ? json(200, "{\"object\":\"list\",\"data\":[]}")
            : json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello, Bo.\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":1000000}}"));
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));

    @AfterEach
    void stop() {
        server.close();
    }

    AiTenancy.Builder setup() {
        return AiTenancy.inMemory().clock(clock)
                .llm(b -> b.provider(ProviderId.OPENAI, s -> s.baseUri(server.uri("/v1"))));
    }

    @Test
    void theFirstCallIsTheSetupOneKeyOneModelAndTheCall() {
        try (AiTenancy ai = setup().build()) {
            ai.keys().upsert(ACME, ProviderId.OPENAI, ApiKey.of(KEY), "ada");
            ai.admin().useModel(ACME, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "ada");
            JobResult r = ai.llm().run("Say hello to {{name}}", ACME, Map.of("name", "Bo"));

            assertThat(r.text()).isEqualTo("Hello, Bo.");
            assertThat(r.cost().amount()).as("priced from the built-in registry").isNotNull();
            UsageRecord rec = ((UsageLog) ai.usage()).query(UsageQuery.of(ACME)).records().get(0);
            assertThat(rec.id()).isEqualTo(r.usageRecordId());
            assertThat(ai.audit().query(ACME, Instant.EPOCH, clock.instant().plusSeconds(1), 20))
                    .extracting(AuditEvent::action)
                    .contains("key.upsert", "model.allow", "model.set-default", "model.set-default-provider");
            assertThat(server.requests()).extracting(LoopbackServer.Recorded::pathAndQuery)
                    .as("the key was checked with the provider before it was stored")
                    .containsExactly("/v1/models", "/v1/chat/completions");
        }
    }

    @Test
    void everyAdminPartIsWiredAndEveryPartReplaceable() {
        InMemoryRateLimiter limiter = new InMemoryRateLimiter(clock, new RateLimitPolicy(1, 60, 0));
        try (AiTenancy ai = setup().rateLimiter(limiter).build()) {
            ai.keys().upsert(ACME, ProviderId.OPENAI, ApiKey.of(KEY), "ada");
            ai.admin().useModel(ACME, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "ada");
            ai.admin().setBudget(Budget.hard(ACME, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new java.math.BigDecimal("1.00")), "ada");

            ai.llm().run(JobRequest.builder(ACME, "one").user("bo").build());
            RateLimitedException limited = catchThrowableOfType(RateLimitedException.class,
                    () -> ai.llm().run(JobRequest.builder(ACME, "two").user("bo").build()));

            assertThat(limited.code()).as("the host's limiter, 1 a minute per user").isEqualTo(ErrorCode.AI_RATE_LIMITED);
            clock.advance(java.time.Duration.ofMinutes(1));
            BudgetExceededException broke = catchThrowableOfType(BudgetExceededException.class,
                    () -> ai.llm().run(JobRequest.builder(ACME, "three").user("bo").build()));
            assertThat(broke.code()).as("the first call spent $2 of the $1 budget").isEqualTo(ErrorCode.AI_BUDGET_EXCEEDED);
        }
    }
}
