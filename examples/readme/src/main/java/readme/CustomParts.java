package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

public class CustomParts {
    public static void main(String[] args) {
        ModelRef mini = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
        InMemoryModelCatalog models = new InMemoryModelCatalog()
                .register(new ModelSpec(mini, 1_047_576, 32_768,         // context window, output cap
                        new BigDecimal("0.40"), new BigDecimal("1.60"), new BigDecimal("0.10"))); // USD per 1M

        try (AiTenancy ai = AiTenancy.inMemory()
                .models(models)                                          // your prices instead of the registry's
                .rateLimiter(new InMemoryRateLimiter(Clock.systemUTC(), new RateLimitPolicy(10, 60, 0)))
                .llm(b -> b.builtInProviders(s -> s.requestTimeout(Duration.ofSeconds(30))))
                .build()) {
            OrgId acme = OrgId.of("acme");
            ai.keys().upsert(acme, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().allowModel(acme, mini, 2_000, "Fast", "admin@acme");   // the org's own output cap
            ai.admin().setDefaultModel(acme, mini, "admin@acme");
            ai.admin().setDefaultProvider(acme, ProviderId.OPENAI, "admin@acme"); // no implicit default, ever
            System.out.println(ai.llm().run("Say hello", acme).cost());
        }
    }
}
