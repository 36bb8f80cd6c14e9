package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

public class EverythingACallCanSay {
    record Ticket(String subject, int priority) {
    }

    public static void main(String[] args) {
        OrgId org = OrgId.of("acme");
        try (AiTenancy ai = AiTenancy.inMemory().build()) {
            ai.keys().upsert(org, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(org, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "admin@acme");

            JobResult r = ai.llm().run(JobRequest.builder(org, "Draft a reply to {{ticket.subject}}")
                    .context(Map.of("ticket", new Ticket("Invoice missing", 2))) // maps, records, beans; {{a.b}}
                    .caller(new Caller("u-42", Set.of("support"), "203.0.113.9", Set.of("member")))
                    .feature("support-reply")
                    .provider("openai").model("gpt-4.1-mini")   // optional overrides, checked against the allowlist
                    .maxOutputTokens(400)                       // clamped to the org's and the model's cap
                    .temperature(0.3).systemPrompt("Be concise.")
                    .correlationId("req-7f3a")                  // else generated; in the MDC, sent as x-correlation-id
                    .timeout(Duration.ofSeconds(30))
                    .build());
            System.out.println(r.text() + " | " + r.usage() + " | " + r.cost() + " | " + r.latency().toMillis() + " ms");
        }
    }
}
