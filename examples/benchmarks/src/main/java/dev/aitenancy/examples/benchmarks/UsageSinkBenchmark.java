package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sustained usage records per second through {@link JdbcUsageSink}: each operation is one call's
 * started and finished record; an invocation queues 1,000 calls and waits until all are written.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UsageSinkBenchmark {

    static final int CALLS = 1_000;

    /** {@code h2} (embedded, in memory) or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"h2"})
    public String database;

    private Databases.Opened db;
    private JdbcUsageSink sink;
    private long n;

    @Setup
    public void setUp() {
        db = Databases.open(database);
        sink = AiTenancyJdbc.create(db.dataSource()).usageSink(20_000, 200, Duration.ofSeconds(5));
    }

    @TearDown
    public void tearDown() {
        sink.close();
        db.close();
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public long startedAndFinished() {
        for (int i = 0; i < CALLS; i++) {
            n++;
            UsageRecord start = UsageRecord.builder(UUID.randomUUID(), "org-" + (n % 100), Instant.now())
                    .userId("user-" + (n % 1000)).provider("openai").model("gpt-4.1-mini").feature("generic-text")
                    .correlationId("corr-" + n).inputText("Summarize the attached text").build();
            sink.started(start);
            sink.finished(start.finish(UsageStatus.OK, TokenUsage.of(120, 40), Cost.usd(new BigDecimal("0.000112")),
                    null, null, "Three short bullets.", Instant.now()));
        }
        if (!sink.flush(Duration.ofMinutes(1))) {
            throw new IllegalStateException("records not written within a minute");
        }
        return sink.writtenRecords();
    }
}
