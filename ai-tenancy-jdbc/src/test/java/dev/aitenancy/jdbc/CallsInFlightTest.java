package dev.aitenancy.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.Cost;
import dev.aitenancy.TokenUsage;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.MutableClock;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.usage.UsageRecord;
import dev.aitenancy.usage.UsageStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The started calls of a dead instance are found through the index on {@code (instance_id,
 * started_at)}, from the instant the instance notes in {@code ai_usage_instances.in_flight_since}:
 * the instant follows the earliest call in flight, a call older than it lowers it before its row is
 * written, and an upgrade notes it for the instances already there.
 */
class CallsInFlightTest {

    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    static final Duration LEASE = Duration.ofSeconds(30);

    static UsageRecord start(Instant at) {
        return UsageRecord.builder(UUID.randomUUID(), "acme", at).userId("u").provider("openai")
                .model("gpt-4.1-mini").inputText("q").build();
    }

    static UsageRecord finish(UsageRecord start) {
        return start.finish(UsageStatus.OK, TokenUsage.of(10, 5), Cost.unpriced(), null, null, "a",
                start.startedAt().plusMillis(100));
    }

    static Instant noted(DataSource ds, UUID instance) {
        return Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT in_flight_since FROM ai_usage_instances "
                        + "WHERE id = :id").bind("id", instance)
                .map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class).toInstant()).one());
    }

    static long count(DataSource ds, String sql) {
        return Jdbi.create(ds).withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theNotedInstantFollowsTheEarliestCallInFlight(TestDatabase kind) {
        try (TestDatabase.Db db = kind.open()) {
            DataSource ds = db.dataSource();
            MutableClock clock = new MutableClock(NOW);
            JdbcUsageSink sink = AiTenancyJdbc.create(ds, clock, true).usageSink(100, 10, Duration.ofSeconds(1), LEASE);
            UsageRecord first = start(NOW);
            sink.started(first);
            assertThat(noted(ds, sink.instanceId())).as("no call in flight when it was noted")
                    .isEqualTo(NOW.minus(InstanceLease.SLACK));

            clock.advance(Duration.ofMinutes(5));
            sink.started(start(clock.instant())); // the lease is renewed first
            assertThat(noted(ds, sink.instanceId())).as("the first call is still in flight").isEqualTo(NOW);

            sink.finished(finish(first));
            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            clock.advance(Duration.ofMinutes(5));
            sink.started(start(clock.instant()));
            assertThat(noted(ds, sink.instanceId())).as("the second call, five minutes later")
                    .isEqualTo(NOW.plus(Duration.ofMinutes(5)));
            sink.close();
        }
    }

    /**
     * A call whose record was made before the instance last noted its instant (here ten minutes
     * before) lowers the instant before its row is written: when the instance dies, the sweep finds
     * that call too.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aCallOlderThanTheNotedInstantLowersItSoADeadInstancesCallsAreAllFound(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            DataSource ds = db.dataSource();
            MutableClock clock = new MutableClock(NOW);
            JdbcUsageSink dying = AiTenancyJdbc.create(ds, clock, true).usageSink(100, 10, Duration.ofSeconds(1), LEASE);
            dying.started(start(NOW));
            UsageRecord old = start(NOW.minus(Duration.ofMinutes(10)));
            dying.started(old);
            assertThat(noted(ds, dying.instanceId())).isEqualTo(old.startedAt());
            dying.close(); // its two calls never finish: the instance is gone

            clock.advance(Duration.ofMinutes(2));
            JdbcUsageSink survivor = AiTenancyJdbc.create(ds, clock, false).usageSink(100, 10, Duration.ofSeconds(1),
                    LEASE);
            int[] settled = new int[1];
            String log = LogCapture.quietly(() -> settled[0] = survivor.settleAbandoned());
            survivor.close();
            assertThat(settled[0]).isEqualTo(2);
            assertThat(log).contains("settled call " + old.id());
            assertThat(count(ds, "SELECT COUNT(*) FROM ai_generations WHERE status = 'abandoned'")).isEqualTo(2);
        }
    }

    /**
     * A database an earlier version wrote holds a started call, three days old, of an instance that
     * died, and an instance with no call in flight: the upgrade notes for each the start of its
     * earliest started call (or the upgrade's time), and a live instance settles the call.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anUpgradeNotesTheEarliestStartedCallOfEachInstanceAndItsCallsAreSettled(TestDatabase kind)
            throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            DataSource ds = db.dataSource();
            Flyway.configure().dataSource(ds)
                    .locations("classpath:dev/aitenancy/jdbc/migration/common",
                            "classpath:dev/aitenancy/jdbc/migration/" + (kind == TestDatabase.H2 ? "h2" : "postgresql"))
                    .table(AiTenancyJdbc.HISTORY_TABLE).baselineOnMigrate(true).baselineVersion("0").target("21")
                    .load().migrate();
            UUID dead = UUID.randomUUID();
            UUID idle = UUID.randomUUID();
            UUID call = UUID.randomUUID();
            Instant beforeUpgrade = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Jdbi.create(ds).useHandle(h -> {
                for (UUID instance : List.of(dead, idle)) {
                    h.createUpdate("INSERT INTO ai_usage_instances (id, alive_until) VALUES (:id, :until)")
                            .bind("id", instance).bind("until", NOW.minus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC))
                            .execute();
                }
                h.createUpdate("INSERT INTO ai_generations (id, org_id, status, started_at, instance_id) "
                                + "VALUES (:id, 'acme', 'started', :at, :instance)")
                        .bind("id", call).bind("at", NOW.minus(Duration.ofDays(3)).atOffset(ZoneOffset.UTC))
                        .bind("instance", dead).execute();
            });

            JdbcUsageSink survivor = AiTenancyJdbc.create(ds, new MutableClock(NOW), true).usageSink();
            assertThat(noted(ds, dead)).isEqualTo(NOW.minus(Duration.ofDays(3)));
            assertThat(noted(ds, idle)).isAfterOrEqualTo(beforeUpgrade);
            int[] settled = new int[1];
            LogCapture.quietly(() -> settled[0] = survivor.settleAbandoned());
            assertThat(settled[0]).isEqualTo(1);
            assertThat(survivor.find(OrgId.of("acme"), call)).get().extracting(UsageRecord::status)
                    .isEqualTo(UsageStatus.ABANDONED);
            survivor.close();
        }
    }

    /**
     * On PostgreSQL the update that finishes a call changes no indexed column and the table leaves
     * room on its pages, so many finishing updates are heap-only: they write no index entry. While
     * the status was indexed, none was. (All 200 here finish in one transaction, so their old
     * versions cannot be pruned meanwhile, and a page's room holds only some of them.)
     */
    @Test
    void onPostgresqlFinishingUpdatesAreHeapOnly() throws Exception {
        try (TestDatabase.Db db = TestDatabase.POSTGRESQL.open()) {
            DataSource direct = db.unpooled();
            int n = 200;
            // a pool of this test's own: closing it ends its server processes, which report their counts
            try (HikariDataSource pool = FaultFixtures.pool(direct, 4, Duration.ofSeconds(10))) {
                JdbcUsageSink sink = AiTenancyJdbc.create(pool, Clock.systemUTC(), true).usageSink();
                List<UsageRecord> started = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    UsageRecord s = start(Instant.now().truncatedTo(ChronoUnit.MILLIS));
                    sink.started(s);
                    started.add(s);
                }
                started.forEach(s -> sink.finished(finish(s)));
                sink.close();
            }
            long[] counts = new long[2];
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            do {
                Thread.sleep(100);
                long[] now = Jdbi.create(direct).withHandle(h -> h.createQuery("SELECT n_tup_upd, n_tup_hot_upd "
                                + "FROM pg_stat_user_tables WHERE relname = 'ai_generations' AND schemaname = :schema")
                        .bind("schema", db.name())
                        .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).one());
                System.arraycopy(now, 0, counts, 0, 2);
            } while (counts[0] < n && System.nanoTime() < deadline);
            assertThat(counts[0]).as("updates of ai_generations").isEqualTo(n);
            assertThat(counts[1]).as("of them heap-only").isGreaterThanOrEqualTo(n / 4);
        }
    }
}
