package dev.aitenancy.keys;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.LLMJob;
import dev.aitenancy.ProviderException;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.usage.AuditEvent;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProviderKeyAdminTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ApiKey KEY = ApiKey.of("sk-proj-ADMINplanted-0123456789abcdWXYZ");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");

    final LoopbackServer server = LoopbackServer.start();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T13:00:00Z"));
    final InMemoryKeyStore keys = new InMemoryKeyStore(clock);
    final InMemoryModelCatalog models = new InMemoryModelCatalog();
    final LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(models)
            .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1"))
                    .retryPolicy(RetryPolicy.NONE).build()))
            .build();
    final InMemoryAuditSink audit = new InMemoryAuditSink();
    final ProviderKeyAdmin admin = new ProviderKeyAdmin(keys, models, job, audit,
            new InMemoryRateLimiter(clock, RateLimitPolicy.DEFAULT), clock);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aKeyIsStoredOnlyAfterTheProviderAcceptedItAndShowsAsVerified() {
        server.enqueue(json(200, "{\"object\":\"list\",\"data\":[]}"));
        models.allow(ACME, MINI).setDefault(ACME, MINI);

        ProviderKeyStatus status = admin.upsert(ACME, ProviderId.OPENAI, KEY, "ada@acme");

        assertThat(server.lastRequest().pathAndQuery()).isEqualTo("/v1/models");
        assertThat(status).isEqualTo(new ProviderKeyStatus(ProviderId.OPENAI, "****WXYZ", clock.instant(),
                clock.instant(), "ada@acme", "gpt-4.1-mini"));
        assertThat(keys.find(ACME, ProviderId.OPENAI).orElseThrow().lastVerifiedAt()).isEqualTo(clock.instant());
        AuditEvent event = audit.query(ACME, Instant.EPOCH, Instant.MAX, 10).get(0);
        assertThat(event.action()).isEqualTo("key.upsert");
        assertThat(event.actor()).isEqualTo("ada@acme");
        assertThat(event.target()).isEqualTo("openai");
        assertThat(event.toString()).doesNotContain(KEY.reveal()).contains("****WXYZ");
    }

    @Test
    void aRefusedKeyIsNotStored() {
        server.enqueue(json(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}"));

        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> admin.upsert(ACME, ProviderId.OPENAI, KEY, "ada@acme"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(keys.get(ACME, ProviderId.OPENAI)).isEmpty();
        assertThat(admin.status(ACME)).isEmpty();
        assertThat(audit.query(ACME, Instant.EPOCH, Instant.MAX, 10)).extracting(AuditEvent::action, AuditEvent::detail)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("key.verify", "refused: AI_PROVIDER_AUTH"));
    }

    @Test
    void reverifyingChecksTheStoredKeyAndRecordsWhenTheProviderAcceptedIt() {
        server.otherwise(req -> json(200, "{\"object\":\"list\",\"data\":[]}"));
        admin.upsert(ACME, ProviderId.OPENAI, KEY, "ada@acme");
        Instant stored = clock.instant();
        clock.advance(java.time.Duration.ofDays(3));

        ProviderKeyStatus status = admin.reverify(ACME, ProviderId.OPENAI, "bob@acme").orElseThrow();

        assertThat(server.requests()).hasSize(2);
        assertThat(server.lastRequest().header("authorization")).isEqualTo("Bearer " + KEY.reveal());
        assertThat(status.lastVerifiedAt()).isEqualTo(clock.instant());
        assertThat(status.updatedAt()).isEqualTo(stored);
        AuditEvent event = audit.query(ACME, Instant.EPOCH, Instant.MAX, 10).get(0);
        assertThat(event.action()).isEqualTo("key.verify");
        assertThat(event.actor()).isEqualTo("bob@acme");
        assertThat(event.detail()).isEqualTo("stored key accepted; ends in ****WXYZ");
    }

    @Test
    void aStoredKeyTheProviderNowRefusesKeepsItsLastVerificationAndTheRefusalIsAudited() {
        server.enqueue(json(200, "{\"object\":\"list\",\"data\":[]}"));
        admin.upsert(ACME, ProviderId.OPENAI, KEY, "ada@acme");
        Instant verified = clock.instant();
        clock.advance(java.time.Duration.ofDays(3));
        server.enqueue(json(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"code\":\"invalid_api_key\"}}"));

        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> admin.reverify(ACME, ProviderId.OPENAI, "bob@acme"));

        assertThat(e.code()).isEqualTo(ErrorCode.AI_PROVIDER_AUTH);
        assertThat(e.orgId()).isEqualTo("acme");
        assertThat(e.getMessage()).doesNotContain(KEY.reveal());
        assertThat(keys.find(ACME, ProviderId.OPENAI).orElseThrow().lastVerifiedAt()).isEqualTo(verified);
        assertThat(audit.query(ACME, Instant.EPOCH, Instant.MAX, 10).get(0)).extracting(AuditEvent::action,
                AuditEvent::detail).containsExactly("key.verify", "stored key refused: AI_PROVIDER_AUTH");
    }

    @Test
    void reverifyingWithoutAStoredKeyChecksNothing() {
        assertThat(admin.reverify(ACME, ProviderId.OPENAI, "ada@acme")).isEmpty();
        assertThat(server.requests()).isEmpty();
        assertThat(audit.query(ACME, Instant.EPOCH, Instant.MAX, 10)).isEmpty();
    }

    @Test
    void verifyingAKeyChecksItWithoutStoringItUnderTheSameLimit() {
        server.otherwise(req -> json(200, "{\"object\":\"list\",\"data\":[]}"));

        for (int i = 0; i < 5; i++) {
            admin.verify(ACME, ProviderId.OPENAI, KEY, "ada@acme");
        }
        RateLimitedException sixth = catchThrowableOfType(RateLimitedException.class,
                () -> admin.verify(ACME, ProviderId.OPENAI, KEY, "ada@acme"));

        assertThat(sixth.limit()).isEqualTo("user ada@acme: 5 key checks/minute");
        assertThat(server.requests()).hasSize(5);
        assertThat(keys.get(ACME, ProviderId.OPENAI)).isEmpty();
        assertThat(audit.query(ACME, Instant.EPOCH, Instant.MAX, 10)).isEmpty();
    }

    @Test
    void anAdminMayCheckFiveKeysAMinute() {
        server.otherwise(req -> json(200, "{\"object\":\"list\",\"data\":[]}"));

        for (int i = 0; i < 5; i++) {
            admin.upsert(ACME, ProviderId.OPENAI, KEY, "ada@acme");
        }
        RateLimitedException sixth = catchThrowableOfType(RateLimitedException.class,
                () -> admin.upsert(ACME, ProviderId.OPENAI, KEY, "ada@acme"));
        admin.upsert(ACME, ProviderId.OPENAI, KEY, "bob@acme");

        assertThat(sixth.limit()).isEqualTo("user ada@acme: 5 key checks/minute");
        assertThat(server.requests()).hasSize(6);
    }

    @Test
    void deletingAKeyRemovesTheOrgsModelsAndDefaultsForThatProvider() {
        keys.put(ACME, ProviderId.OPENAI, KEY);
        models.allow(ACME, MINI).setDefault(ACME, MINI).setDefaultProvider(ACME, ProviderId.OPENAI);

        boolean deleted = admin.delete(ACME, ProviderId.OPENAI, "ada@acme");

        assertThat(deleted).isTrue();
        assertThat(keys.get(ACME, ProviderId.OPENAI)).isEmpty();
        assertThat(models.models(ACME)).isEmpty();
        assertThat(audit.query(ACME, Instant.EPOCH, Instant.MAX, 10)).extracting(AuditEvent::action)
                .containsExactly("key.delete");
    }
}
