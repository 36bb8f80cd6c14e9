package dev.aitenancy.examples.benchmarks.load;

import dev.aitenancy.JobEvent;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.examples.benchmarks.GovernedSetup;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageQuery;
import dev.aitenancy.usage.UsageSink;
import dev.aitenancy.usage.UsageStatus;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A governed call with every check on, through the library's real OpenAI client pointed at the
 * stand-in: a feature flag, the org's allowed default model, rate limits per user, IP and org and
 * tokens per minute for user and org, a hard org and a hard user budget, a global content filter,
 * and per org a token limit, an output PII filter and an output modifier, the org's own key, and a
 * started and a finished usage record. Limits are generous, so nothing is refused.
 *
 * <p>{@code memory} uses the in-memory SPIs. {@code h2} and {@code postgresql} are the README's
 * JDBC setup: {@code AiTenancyJdbc.create(dataSource).withConfigCache(5 s)}, keys through
 * {@link CachingKeyStore}, usage through {@link JdbcUsageSink}, on a HikariCP pool.
 */
final class GovernedJob implements Subject {

    /**
     * {@code -Dload.h2stats=true}: after each H2 segment, logs the statements H2 ran since the one
     * before (its {@code QUERY_STATISTICS}: executions and time, the 25 costliest), a count that does
     * not depend on the machine's speed.
     */
    private static final boolean H2_STATEMENTS = Boolean.getBoolean("load.h2stats");

    private final String store;
    private final GovernedSetup setup;
    private final UsageSink usage;
    private final LLMJob llm;
    private boolean closed;

    private GovernedJob(String store, GovernedSetup setup, LLMJob llm) {
        this.store = store;
        this.setup = setup;
        this.usage = setup.usage();
        this.llm = llm;
    }

    /**
     * Sets up {@code store} ({@code memory}, {@code h2} or {@code postgresql}) with 100 orgs of 10
     * users, and checks once that a key check, a plain call and a stream go through.
     */
    static GovernedJob open(String store, URI standIn, int poolSize) {
        GovernedSetup setup = GovernedSetup.open(store, poolSize, "load", Workload.FEATURE);
        OpenAiClient openai = new OpenAiClient(OpenAiClient.defaultSettings().baseUri(standIn).build());
        LLMJob llm = setup.builder().provider(openai).build();
        GovernedJob job = new GovernedJob(store, setup, llm);
        try {
            job.smokeTest();
        } catch (RuntimeException e) {
            job.closeQuietly();
            throw e;
        }
        return job;
    }

    /** A key check, a plain call and a stream, each once, before anything is measured. */
    private void smokeTest() {
        try {
            llm.verifyKey(ProviderId.OPENAI, ApiKey.of("sk-load-check-0000000000000000000000"))
                    .get(30, TimeUnit.SECONDS);
            JobResult plain = llm.run(Workload.request(0));
            if (!plain.text().endsWith(" (AI)")) {
                throw new IllegalStateException("the output modifier did not apply: " + plain.text());
            }
            StringBuilder tokens = new StringBuilder();
            JobRequest request = Workload.request(1);
            JobResult streamed = llm.stream(request, event -> {
                if (event instanceof JobEvent.Token t) {
                    tokens.append(t.text());
                }
            }).completion().get(30, TimeUnit.SECONDS);
            if (tokens.length() == 0 || streamed.usage().outputTokens() == null) {
                throw new IllegalStateException("the stream brought no tokens or no usage: " + streamed);
            }
        } catch (Exception e) {
            throw new IllegalStateException(store + ": the smoke test against the stand-in failed", e);
        }
    }

    /** Calls the smoke test made (one plain, one streamed) that leave a usage record. */
    static int smokeCalls() {
        return 2;
    }

    @Override
    public String name() {
        return store;
    }

    /** The job, for workloads other than {@link Subject}'s (streams). */
    LLMJob llm() {
        return llm;
    }

    @Override
    public void call(long i) {
        JobResult r = llm.run(Workload.request(i));
        if (r.text() == null) {
            throw new IllegalStateException("no text in " + r);
        }
    }

    @Override
    public CompletableFuture<?> callAsync(long i) {
        return llm.runAsync(Workload.request(i));
    }

    @Override
    public void settle() {
        if (usage instanceof JdbcUsageSink sink && !sink.flush(Duration.ofSeconds(120))) {
            throw new IllegalStateException(store + ": the usage writer did not drain within 120 s");
        }
        if (store.equals("h2") && H2_STATEMENTS) {
            logStatements();
        }
    }

    private void logStatements() {
        try (Connection c = setup.db().dataSource().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT EXECUTION_COUNT, CUMULATIVE_EXECUTION_TIME, SQL_STATEMENT "
                    + "FROM INFORMATION_SCHEMA.QUERY_STATISTICS ORDER BY CUMULATIVE_EXECUTION_TIME DESC LIMIT 25")) {
                while (rs.next()) {
                    String sql = rs.getString(3).replaceAll("\\s+", " ");
                    LoadHarness.log(String.format(java.util.Locale.ROOT, "h2 statements: %,8d runs %,8.0f ms %s",
                            rs.getLong(1), rs.getDouble(2), sql.substring(0, Math.min(140, sql.length()))));
                }
            }
            s.execute("SET QUERY_STATISTICS FALSE"); // clears them
            s.execute("SET QUERY_STATISTICS TRUE");
        } catch (SQLException e) {
            throw new IllegalStateException(store + ": reading H2's statement statistics failed", e);
        }
    }

    /**
     * Gives the tables planner statistics, as autovacuum gives a table in use within a minute: the
     * schema is new, so without them PostgreSQL would plan the first rounds for empty tables (scans
     * instead of key lookups) and the rounds would measure when autovacuum happened to run.
     */
    @Override
    public void afterWarmUp() {
        settle();
        if (!store.equals("postgresql")) {
            return;
        }
        try (Connection c = setup.db().dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE");
        } catch (SQLException e) {
            throw new IllegalStateException(store + ": analyzing the tables failed", e);
        }
    }

    /**
     * Closes the usage sink (writing everything queued) and counts the stored records by status.
     *
     * @return e.g. {@code {ok=123456}}; every call that succeeded must be there as {@code ok}
     */
    Map<String, Long> closeAndCount() {
        if (closed) {
            throw new IllegalStateException(store + " is closed");
        }
        closed = true;
        try {
            Map<String, Long> counts = new TreeMap<>();
            if (setup.limiter() instanceof dev.aitenancy.jdbc.JdbcRateLimiter limiter) {
                LoadHarness.log(store + ": rate-limit calls decided in the database, warm-ups included: "
                        + limiter.callsDecidedInDatabase());
            }
            if (usage instanceof JdbcUsageSink sink) {
                sink.close(); // writes everything queued before the records are counted
                if (sink.droppedRecords() > 0 || sink.rejectedRecords() > 0) {
                    counts.put("dropped", sink.droppedRecords());
                    counts.put("rejected", sink.rejectedRecords());
                }
                try (Connection c = setup.db().dataSource().getConnection(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT status, COUNT(*) FROM ai_generations GROUP BY status")) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), rs.getLong(2));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(store + ": counting usage records failed", e);
                }
            } else if (usage instanceof InMemoryUsageSink sink) {
                for (int o = 0; o < Workload.ORGS; o++) {
                    for (UsageStatus status : UsageStatus.values()) {
                        long n = sink.totals(UsageQuery.of(OrgId.of("org-" + o)).withStatus(status)).requests();
                        if (n > 0) {
                            counts.merge(status.wireName(), n, Long::sum);
                        }
                    }
                }
            }
            return counts;
        } finally {
            setup.close();
        }
    }

    private void closeQuietly() {
        try {
            closeAndCount();
        } catch (RuntimeException ignored) {
            // already failing
        }
    }
}
