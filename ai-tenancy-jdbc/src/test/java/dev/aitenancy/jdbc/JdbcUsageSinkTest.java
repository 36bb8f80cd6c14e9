package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.testing.FlakyDataSource;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The batch writer loses nothing it accepted: on close, and across a database outage. */
class JdbcUsageSinkTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    final OpenDatabases databases = new OpenDatabases();

    @AfterEach
    void drop() {
        databases.closeAll();
    }

    static UsageRecord finished(int i) {
        UsageRecord start = new UsageRecord(UUID.randomUUID(), "acme", "u" + (i % 7), "openai", "gpt-4.1-mini", null,
                null, UsageStatus.STARTED, TokenUsage.UNKNOWN, Cost.unpriced(), null, null, "c" + i, null, null, "q" + i, null,
                T0.plusMillis(i), null);
        return start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.unpriced(), null, null, "a" + i,
                T0.plusMillis(i + 100));
    }

    static int rows(DataSource ds) {
        return Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ai_generations")
                .mapTo(Integer.class).one());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void closeWritesEverythingStillQueued(TestDatabase kind) {
        DataSource ds = databases.open(kind);
        JdbcUsageSink sink = AiTenancyJdbc.create(ds).usageSink(5_000, 100, Duration.ofSeconds(5));

        for (int i = 0; i < 2_000; i++) {
            sink.finished(finished(i));
        }
        sink.close();

        assertThat(rows(ds)).isEqualTo(2_000);
        assertThat(sink.droppedRecords()).isZero();
        assertThatThrownBy(() -> sink.finished(finished(1))).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void recordsWaitOutADatabaseOutageAndAreWrittenAfterIt(TestDatabase kind) throws Exception {
        DataSource real = databases.open(kind);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        JdbcUsageSink sink = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false)
                .usageSink(1_000, 50, Duration.ofSeconds(5));

        flaky.down();
        for (int i = 0; i < 300; i++) {
            sink.finished(finished(i));
        }
        assertThat(flaky.refusedOnce().await(10, TimeUnit.SECONDS)).as("the writer met the outage").isTrue();
        assertThat(rows(real)).isZero();
        flaky.up();
        sink.close();

        assertThat(rows(real)).isEqualTo(300);
        assertThat(sink.droppedRecords()).isZero();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aFullQueueDropsWhatItMustAndCountsEveryDrop(TestDatabase kind) throws Exception {
        DataSource real = databases.open(kind);
        AiTenancyJdbc.create(real);
        FlakyDataSource flaky = new FlakyDataSource(real);
        JdbcUsageSink sink = AiTenancyJdbc.create(flaky, Clock.systemUTC(), false)
                .usageSink(10, 10, Duration.ofMillis(1));

        flaky.down();
        for (int i = 0; i < 50; i++) {
            sink.finished(finished(i));
        }
        flaky.up();
        sink.close();

        assertThat(sink.droppedRecords()).isPositive();
        assertThat(rows(real) + sink.droppedRecords()).as("every record written or counted as dropped")
                .isEqualTo(50);
    }
}
