package dev.aitenancy;

import static dev.aitenancy.testing.LoopbackServer.Reply.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aitenancy.internal.Json;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryPreferenceStore;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.usage.UsageRecord;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AI preferences in a call: request > user > org > feature preference, and the record says which applied. */
class LLMJobPreferencesTest {

    static final OrgId ACME = OrgId.of("acme");
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final ModelRef FOUR = ModelRef.of(ProviderId.OPENAI, "gpt-4.1");

    final LoopbackServer server = LoopbackServer.start().otherwise(req -> json(200, "{\"id\":\"c\",\"object\":"
            + "\"chat.completion\",\"model\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}"));
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    final InMemoryModelCatalog catalog = new InMemoryModelCatalog();
    final InMemoryUsageSink usage = new InMemoryUsageSink();
    final InMemoryPreferenceStore preferences = new InMemoryPreferenceStore();
    final LLMJob job = LLMJob.builder().keyStore(keys).modelCatalog(catalog).usageSink(usage).preferences(preferences)
            .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(server.uri("/v1")).build())).build();

    LLMJobPreferencesTest() {
        catalog.allow(ACME, MINI, 1000).allow(ACME, NANO, 1000).setDefault(ACME, MINI)
                .setDefaultProvider(ACME, ProviderId.OPENAI).setFeaturePreference(ACME, "drafts", NANO, null);
        keys.put(ACME, ProviderId.OPENAI, ApiKey.of("sk-proj-ACMEplanted000111222333444555"));
        keys.markVerified(ACME, ProviderId.OPENAI, Instant.now());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JsonNode sent() throws Exception {
        return Json.MAPPER.readTree(server.lastRequest().body());
    }

    UsageRecord last() {
        return usage.recent(ACME, 1).get(0);
    }

    @Test
    void theOrgsToneBecomesASystemInstructionAfterTheRequestsOwn() throws Exception {
        preferences.setOrg(ACME, new AiPreferences("formal, in British English", null, null));

        job.run(JobRequest.builder(ACME, "hi").systemPrompt("Be brief.").user("bo").build());

        assertThat(sent().at("/messages/0/content").asText())
                .isEqualTo("Be brief.\n\nAnswer in this tone and style: formal, in British English");
        assertThat(last().preferences()).isEqualTo("tone:org");
    }

    @Test
    void aUsersModelBeatsTheFeatureRouteAndTheRequestsModelBeatsTheUsers() throws Exception {
        preferences.setUser(ACME, "bo", new AiPreferences("chatty", 300, NANO));

        job.run(JobRequest.builder(ACME, "hi").user("bo").build());
        assertThat(sent().get("model").asText()).isEqualTo("gpt-4.1-nano");
        assertThat(sent().get("max_completion_tokens").asInt()).isEqualTo(300);
        assertThat(last().preferences()).isEqualTo("tone:user,maxAnswerTokens:user,model:user");

        job.run(JobRequest.builder(ACME, "hi").user("bo").model("gpt-4.1-mini").maxOutputTokens(50).build());
        assertThat(sent().get("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(sent().get("max_completion_tokens").asInt()).isEqualTo(50);
        assertThat(last().preferences()).isEqualTo("tone:user,maxAnswerTokens:request");

        preferences.clearUser(ACME, "bo");
        job.run(JobRequest.builder(ACME, "hi").user("bo").feature("drafts").build());
        assertThat(sent().get("model").asText()).as("no preference: the feature's route").isEqualTo("gpt-4.1-nano");
        assertThat(last().preferences()).isNull();
    }

    @Test
    void aUserStaysWithinTheOrgsAnswerLengthAndAModelNoLongerAllowedIsPassedOver() throws Exception {
        preferences.setOrg(ACME, new AiPreferences(null, 200, null));
        preferences.setUser(ACME, "bo", new AiPreferences(null, 900, FOUR)); // gpt-4.1 is not allowed

        JobResult r = job.run(JobRequest.builder(ACME, "hi").user("bo").build());

        assertThat(r.model()).isEqualTo("gpt-4.1-mini");
        assertThat(sent().get("max_completion_tokens").asInt()).isEqualTo(200);
        assertThat(last().preferences()).isEqualTo("maxAnswerTokens:org");
    }
}
