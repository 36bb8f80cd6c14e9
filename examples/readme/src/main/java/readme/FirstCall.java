package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.Map;

public class FirstCall {
    public static void main(String[] args) {
        OrgId acme = OrgId.of("acme");
        try (AiTenancy ai = AiTenancy.inMemory().build()) {
            ai.keys().upsert(acme, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(acme, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "admin@acme");
            System.out.println(ai.llm().run("Summarize {{topic}} in 3 bullets", acme, Map.of("topic", "Q3 sales")).text());
        }
    }
}
