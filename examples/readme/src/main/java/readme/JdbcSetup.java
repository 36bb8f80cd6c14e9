package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.JobResult;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.math.BigDecimal;
import java.util.Map;
import org.h2.jdbcx.JdbcDataSource;

public class JdbcSetup {
    public static void main(String[] args) {
        JdbcDataSource dataSource = new JdbcDataSource();       // your pool on H2 or PostgreSQL
        dataSource.setURL("jdbc:h2:mem:app;DB_CLOSE_DELAY=-1");
        OrgId acme = OrgId.of("acme");

        try (AiTenancy ai = AiTenancyJdbc.setup(dataSource, SecretCipher.fromEnvironment()) // AI_TENANCY_MASTER_KEY
                .budgetAlerts((budget, period, spent) -> System.out.println("alert: " + budget.describe()))
                .build()) {
            // an org's admin stores its own key (checked with the provider first) and picks a model
            ai.keys().upsert(acme, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(acme, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "admin@acme");
            ai.admin().setBudget(Budget.hard(acme, Budget.Scope.ORG, null, Budget.Period.MONTHLY,
                    new BigDecimal("50")), "admin@acme");

            JobResult r = ai.llm().run("Say hello to {{name}}", acme, Map.of("name", "Bo"));
            System.out.println(r.text() + " [" + r.cost() + ", record " + r.usageRecordId() + "]");
        }   // close() writes every usage record still queued
    }
}
