package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryPreferenceStore;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.preferences.AiPreferences;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageLog;

public class PreferencesInACall {
    public static void main(String[] args) {
        OrgId acme = OrgId.of("acme");
        ModelRef mini = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
        ModelRef nano = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
        PreferenceStore prefs = new InMemoryPreferenceStore();        // or AiTenancyJdbc.setup's, in ai_preferences
        try (AiTenancy ai = AiTenancy.inMemory().preferences(prefs).build()) {
            ai.keys().upsert(acme, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(acme, mini, "admin@acme");
            ai.admin().allowModel(acme, nano, null, null, "admin@acme");

            ai.admin().setOrgPreferences(acme, new AiPreferences("formal, in British English", 400, null), "admin@acme");
            prefs.setUser(acme, "mel", new AiPreferences("casual", 1000, nano));  // mel's own, within the org's

            JobResult r = ai.llm().run(JobRequest.builder(acme, "Say hello").user("mel").build());
            String applied = ((UsageLog) ai.usage()).find(acme, r.usageRecordId()).orElseThrow().preferences();
            System.out.println(r.model() + " " + applied);   // gpt-4.1-nano tone:user,maxAnswerTokens:org,model:user
        }
    }
}
