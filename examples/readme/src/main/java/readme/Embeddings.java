package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.EmbeddingRequest;
import dev.aitenancy.EmbeddingResult;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;

public class Embeddings {
    public static void main(String[] args) {
        OrgId org = OrgId.of("acme");
        ModelRef small = ModelRef.of(ProviderId.OPENAI, "text-embedding-3-small");
        try (AiTenancy ai = AiTenancy.inMemory().build()) {
            ai.keys().upsert(org, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().allowModel(org, small, null, null, "admin@acme");  // embedding models are allowed like any
            ai.admin().setFeaturePreference(org, "search", small, null, "admin@acme");

            EmbeddingResult r = ai.llm().embed(EmbeddingRequest.builder(org, List.of("How do I reset my password?",
                            "Refund policy"))
                    .feature("search")                 // the feature's preference names the embedding model...
                    .inputType("search_document")      // ...Cohere's input_type, Gemini's taskType; OpenAI ignores it
                    .build());
            float[] first = r.vectors().get(0);        // one vector per input, in input order
            System.out.println(r.vectors().size() + " vectors of " + first.length + ", " + r.usage().inputTokens()
                    + " tokens, " + r.cost());
        }
    }
}
