package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.GuardrailBlockedException;
import dev.aitenancy.guardrails.Guardrail;
import dev.aitenancy.guardrails.GuardrailAction;
import dev.aitenancy.guardrails.GuardrailRule;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryGuardrailStore;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;
import java.util.Set;

public class GuardrailsSetup {
    public static void main(String[] args) {
        OrgId acme = OrgId.of("acme");
        GuardrailStore rules = new InMemoryGuardrailStore();   // or your database's: AiTenancyJdbc.setup gives one
        try (AiTenancy ai = AiTenancy.inMemory().guardrails(rules).build()) {
            ai.keys().upsert(acme, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(acme, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "admin@acme");

            rules.save(Guardrail.global("providers",                     // every org's calls
                    new GuardrailRule.ModelAllowlist(Set.of("openai/*", "anthropic/*")), GuardrailAction.BLOCK));
            ai.admin().saveGuardrail(Guardrail.forOrg(acme, "no salaries",
                    GuardrailRule.ContentFilter.input(List.of("salary", "bonus"), List.of("\\b\\d{3}-\\d{2}-\\d{4}\\b")),
                    GuardrailAction.BLOCK), "admin@acme");
            ai.admin().saveGuardrail(Guardrail.forGroup(acme, "interns", "short",
                    new GuardrailRule.TokenLimit(4_000L, 300), GuardrailAction.BLOCK), "admin@acme");
            ai.admin().saveGuardrail(Guardrail.forOrg(acme, "disclaimer",
                    GuardrailRule.OutputModifier.append("\n— AI generated"), GuardrailAction.MODIFY), "admin@acme");

            System.out.println(ai.llm().run("Hello", acme).text());   // ends with the disclaimer
            try {
                ai.llm().run("What is the CEO's salary?", acme);
            } catch (GuardrailBlockedException e) {
                System.out.println(e.code() + ": " + e.getMessage());  // refused before the provider is called
            }
        }
    }
}
