package dev.aitenancy.jdbc.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.AiTenancyException;
import dev.aitenancy.LLMJob;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelSpec;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * What the fault suite's JDBC tests share: one priced model, a loopback provider's answers, a job
 * wired to them, a pooled data source, and the ledger and record sums the tests compare.
 *
 * <p>The model costs 0.40 / 1.60 USD per 1M input / output tokens and every call may write at
 * most {@value #MAX_OUTPUT} tokens, so a call of prompt {@code p} reserves
 * {@link #worstCase(String)}; a provider answer reports 10 input and 5 output tokens, billed
 * {@link #OK_COST}.
 */
public final class FaultFixtures {

    public static final ModelRef MODEL = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    public static final int MAX_OUTPUT = 100;
    public static final BigDecimal IN_PER_1M = new BigDecimal("0.40");
    public static final BigDecimal OUT_PER_1M = new BigDecimal("1.60");
    /** 10 input and 5 output tokens. */
    public static final BigDecimal OK_COST = new BigDecimal("0.000012");

    private static final com.knuddels.jtokkit.api.Encoding O200K = com.knuddels.jtokkit.Encodings
            .newLazyEncodingRegistry().getEncoding(com.knuddels.jtokkit.api.EncodingType.O200K_BASE);

    private FaultFixtures() {
    }

    /** An OpenAI chat completion of 10 input and 5 output tokens. */
    public static LoopbackServer.Reply ok() {
        return LoopbackServer.Reply.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}");
    }

    /** An answer that never comes: headers of a stream, then nothing until the server closes. */
    public static LoopbackServer.Reply stall() {
        return LoopbackServer.Reply.sse().thenStall();
    }

    /**
     * What a call of this prompt reserves: its input tokens (the model's tokenizer, o200k_base, plus
     * 4 tokens of the message's framing and 3 of the answer's priming) plus the output cap.
     */
    public static BigDecimal worstCase(String prompt) {
        long input = O200K.countTokensOrdinary(prompt) + 7;
        return IN_PER_1M.multiply(BigDecimal.valueOf(input)).add(OUT_PER_1M.multiply(BigDecimal.valueOf(MAX_OUTPUT)))
                .divide(BigDecimal.valueOf(1_000_000), MathContext.DECIMAL64);
    }

    /**
     * A job builder for {@code orgs}, each with a verified OpenAI key and the priced model as its
     * default, calling the loopback provider at {@code base} without retries.
     */
    public static LLMJob.Builder job(URI base, Duration requestTimeout, OrgId... orgs) {
        InMemoryKeyStore keys = new InMemoryKeyStore();
        InMemoryModelCatalog catalog = new InMemoryModelCatalog();
        catalog.register(new ModelSpec(MODEL, 1_047_576, 32_768, IN_PER_1M, OUT_PER_1M, new BigDecimal("0.10")));
        for (OrgId org : orgs) {
            keys.put(org, ProviderId.OPENAI, ApiKey.of("sk-proj-fault" + Math.abs(org.value().hashCode()) + "0000111122223333"));
            keys.markVerified(org, ProviderId.OPENAI, Instant.now());
            catalog.allow(org, MODEL, MAX_OUTPUT).setDefault(org, MODEL).setDefaultProvider(org, ProviderId.OPENAI);
        }
        return LLMJob.builder().keyStore(keys).modelCatalog(catalog)
                .provider(new OpenAiClient(OpenAiClient.defaultSettings().baseUri(base).retryPolicy(RetryPolicy.NONE)
                        .requestTimeout(requestTimeout).build()));
    }

    /** A job over JDBC limits, budgets and usage, and the sink that writes its records. */
    public record Governed(LLMJob job, dev.aitenancy.jdbc.JdbcUsageSink sink, dev.aitenancy.jdbc.JdbcBudgetLedger ledger) {
    }

    /**
     * A job for {@code org} on {@code ds} (already migrated): a JDBC rate limit of
     * {@code orgRequestsPerMinute}, a hard monthly org budget of 10 USD in a JDBC ledger, and usage
     * written by a JDBC sink of the same database (so settlement and record share a transaction).
     */
    public static Governed governed(DataSource ds, URI base, Duration requestTimeout, int orgRequestsPerMinute,
            OrgId org) {
        var jdbc = dev.aitenancy.jdbc.AiTenancyJdbc.create(ds, java.time.Clock.systemUTC(), false);
        var ledger = jdbc.budgetLedger(dev.aitenancy.limits.BudgetAlertListener.NONE);
        ledger.setBudget(dev.aitenancy.limits.Budget.hard(org, dev.aitenancy.limits.Budget.Scope.ORG, null,
                dev.aitenancy.limits.Budget.Period.MONTHLY, new BigDecimal("10")));
        var sink = jdbc.usageSink(10_000, 50, Duration.ofSeconds(5));
        LLMJob job = job(base, requestTimeout, org)
                .rateLimiter(jdbc.rateLimiter(new dev.aitenancy.limits.RateLimitPolicy(0, 0, orgRequestsPerMinute)))
                .budgetLedger(ledger).usageSink(sink).build();
        return new Governed(job, sink, ledger);
    }

    /** A HikariCP pool over {@code ds}. */
    public static HikariDataSource pool(DataSource ds, int size, Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(ds);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 1_000));
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    // ---- what the database says ----------------------------------------------------------------

    /** Spent on the org's budgets (summed over its usage rows). */
    public static BigDecimal spent(Jdbi jdbi, OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(spent), 0) FROM ai_budget_usage WHERE org_id = :org")
                .bind("org", org.value()).mapTo(BigDecimal.class).one());
    }

    /** Still reserved on the org's budgets. */
    public static BigDecimal reserved(Jdbi jdbi, OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(reserved), 0) FROM ai_budget_usage WHERE org_id = :org")
                .bind("org", org.value()).mapTo(BigDecimal.class).one());
    }

    /** The sum of what the org's finished records bill. */
    public static BigDecimal billed(Jdbi jdbi, OrgId org) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(billed_usd), 0) FROM ai_generations "
                        + "WHERE org_id = :org AND status <> 'started'")
                .bind("org", org.value()).mapTo(BigDecimal.class).one());
    }

    public static int count(Jdbi jdbi, String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }

    /** Rows per {@code status error_code} (error code {@code -} when none) of the rows matching {@code where}. */
    public static Map<String, Integer> outcomes(Jdbi jdbi, String where) {
        Map<String, Integer> out = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT status, COALESCE(error_code, '-') AS code, COUNT(*) AS n "
                        + "FROM ai_generations WHERE " + where + " GROUP BY status, COALESCE(error_code, '-')")
                .map((rs, ctx) -> out.put(rs.getString("status") + " " + rs.getString("code"), rs.getInt("n")))
                .list());
        return out;
    }

    /** How many rows each correlation id has, of the rows matching {@code where}. */
    public static Map<String, Integer> rowsPerCorrelationId(Jdbi jdbi, String where) {
        Map<String, Integer> out = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT correlation_id, COUNT(*) AS n FROM ai_generations WHERE " + where
                        + " GROUP BY correlation_id")
                .map((rs, ctx) -> out.put(rs.getString("correlation_id"), rs.getInt("n")))
                .list());
        return out;
    }

    // ---- how calls ended -----------------------------------------------------------------------

    /**
     * How each call ended, waiting for all of them together at most {@code bound}: {@code ok}, the
     * {@link AiTenancyException} code, {@code raw:<class>} for anything else, or {@code hung}.
     */
    public static Map<String, Integer> endings(List<? extends CompletableFuture<?>> calls, Duration bound)
            throws InterruptedException {
        Map<String, Integer> out = new TreeMap<>();
        long deadline = System.nanoTime() + bound.toNanos();
        for (CompletableFuture<?> f : calls) {
            out.merge(ending(f, Math.max(0, deadline - System.nanoTime())), 1, Integer::sum);
        }
        return out;
    }

    private static String ending(CompletableFuture<?> f, long nanos) throws InterruptedException {
        try {
            f.get(nanos, TimeUnit.NANOSECONDS);
            return "ok";
        } catch (TimeoutException e) {
            return "hung";
        } catch (ExecutionException e) {
            return describe(e.getCause());
        }
    }

    public static String describe(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof AiTenancyException e ? e.code().name() : "raw:" + t.getClass().getName();
    }

    /** The exception a failed future failed with (unwrapped), or null. */
    public static Throwable failure(CompletableFuture<?> f) {
        try {
            f.getNow(null);
            return null;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    /** Words a store error's message must never contain: SQL, driver, pool or class names. */
    public static final List<String> INTERNALS = List.of("SELECT", "INSERT", "UPDATE ", "DELETE", "ai_", "jdbc",
            "JDBC", "PSQL", "postgresql", "org.h2", "Hikari", "SQLState", "Exception", "Connection is not available",
            "java.", "dev.aitenancy");
}
