package dev.aitenancy.jdbc;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.chat.Message;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.AuditEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code AiTenancyJdbc.setup}: a complete setup on a DataSource, on H2 and PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class AiTenancyJdbcSetupTest {

    static final OrgId ACME = OrgId.of("acme");
    static final String KEY = "sk-proj-ACMEplanted000111222333444555";

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();
    private final LoopbackServer server = LoopbackServer.start().otherwise(req -> req.pathAndQuery().startsWith("/v1/models")
            ? json(200, "{\"object\":\"list\",\"data\":[]}")
            : json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello, Bo.\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}"));

    @AfterEach
    void stop() {
        server.close();
        databases.closeAll();
    }

    @Test
    void oneStatementSetsUpEveryStoreOnTheDatabaseAndCloseWritesEverything() {
        DataSource ds = databases.open(database);
        SecretCipher cipher = SecretCipher.fromConfig(SecretCipher.generateBase64Key());
        JobResult r;
        Conversation chat;
        try (AiTenancy ai = AiTenancyJdbc.setup(ds, cipher)
                .llm(b -> b.provider(ProviderId.OPENAI, s -> s.baseUri(server.uri("/v1")))).build()) {
            ai.keys().upsert(ACME, ProviderId.OPENAI, ApiKey.of(KEY), "ada");
            ai.admin().useModel(ACME, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "ada");
            r = ai.llm().run("Say hello to {{name}}", ACME, Map.of("name", "Bo"));
            chat = ai.conversations().create(ACME, "bo", "hi");
            ai.llm().run(JobRequest.messages(ACME, Message.user("hi")).user("bo").conversation(chat.id()).build());
            assertThat(ai.audit().query(ACME, Instant.EPOCH, Instant.now().plusSeconds(60), 20))
                    .extracting(AuditEvent::action).contains("key.upsert", "model.set-default", "secret.read");
        }

        Jdbi jdbi = Jdbi.create(ds);
        List<String> statuses = jdbi.withHandle(h -> h.createQuery("SELECT status FROM ai_generations WHERE org_id = 'acme'")
                .mapTo(String.class).list());
        assertThat(statuses).as("close wrote every record").containsExactly("ok", "ok");
        int records = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_generations WHERE id = :id")
                .bind("id", r.usageRecordId()).mapTo(Integer.class).one());
        long messages = jdbi.withHandle(h -> h.createQuery("SELECT message_count FROM ai_conversations WHERE id = :id")
                .bind("id", chat.id()).mapTo(Long.class).one());
        assertThat(records).isEqualTo(1);
        assertThat(messages).isEqualTo(2L);
        String storedKeys = jdbi.withHandle(h -> h.createQuery("SELECT * FROM ai_provider_keys")
                .map((rs, ctx) -> rs.getString("org_id") + "|" + new String(rs.getBytes("envelope"), java.nio.charset.StandardCharsets.ISO_8859_1)).list()).toString();
        assertThat(storedKeys).contains("acme").doesNotContain(KEY);
    }
}
