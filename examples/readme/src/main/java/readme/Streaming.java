package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.StreamHandle;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

public class Streaming {
    public static void main(String[] args) throws Exception {
        OrgId org = OrgId.of("acme");
        try (AiTenancy ai = AiTenancy.inMemory().build()) {
            ai.keys().upsert(org, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(org, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "admin@acme");
            JobRequest request = JobRequest.builder(org, "Write a haiku about {{thing}}")
                    .context(java.util.Map.of("thing", "rate limits")).user("u-42").build();

            StreamHandle h = ai.llm().stream(request, event -> {
                if (event instanceof JobEvent.Token t) {
                    System.out.print(t.text());
                } else if (event instanceof JobEvent.Error e) {
                    System.out.println("failed: " + e.error().code());
                }
            });
            JobResult streamed = h.completion().get(1, TimeUnit.MINUTES);  // h.cancel() records it as canceled
            System.out.println();

            CompletableFuture<JobResult> f = ai.llm().runAsync(request);  // no thread is held while waiting
            System.out.println(streamed.usage() + " then " + f.get(1, TimeUnit.MINUTES).usage());
        }
    }
}
