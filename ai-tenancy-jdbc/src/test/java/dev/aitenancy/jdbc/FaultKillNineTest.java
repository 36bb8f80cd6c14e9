package dev.aitenancy.jdbc;

import dev.aitenancy.usage.UsageLog;
import static dev.aitenancy.jdbc.testing.FaultFixtures.OK_COST;
import static dev.aitenancy.jdbc.testing.FaultFixtures.billed;
import static dev.aitenancy.jdbc.testing.FaultFixtures.count;
import static dev.aitenancy.jdbc.testing.FaultFixtures.reserved;
import static dev.aitenancy.jdbc.testing.FaultFixtures.spent;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.aitenancy.ErrorCode;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.LLMJob;
import dev.aitenancy.RateLimitedException;
import dev.aitenancy.jdbc.testing.FaultFixtures;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.limits.Budget;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.RateLimitPolicy;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.Concurrently;
import dev.aitenancy.testing.LogCapture;
import dev.aitenancy.testing.LoopbackServer;
import dev.aitenancy.testing.MutableClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Fault suite (issue 11): {@code kill -9} of one of two JVMs sharing a PostgreSQL schema, in the
 * middle of a burst.
 *
 * <p>Two child JVMs each fire {@value #CALLS} concurrent {@code runAsync} calls of one org with a
 * rate limit of {@value #LIMIT} a minute and a hard budget, on {@link JdbcRateLimiter},
 * {@link JdbcBudgetLedger} and a {@link JdbcUsageSink} with a {@code 2 s} lease, at a loopback
 * provider in this JVM. The provider answers the even-numbered calls at once; of the odd-numbered
 * ones it stalls those of JVM A for good, and of JVM B answers half once A is dead and stalls the
 * other half until they time out (1 s). Once the provider has seen every admitted call, A is
 * killed with SIGKILL; B finishes normally. A sink here, on a clock past A's lease, settles A's
 * calls still in flight as {@code abandoned}.
 *
 * <p>Then, exactly: the calls admitted are the rate limit; every call has one record and every
 * request the provider received one; A's stalled calls are abandoned and billed at their worst
 * case; no started row and no reservation remain; the budget's spend equals the sum the records
 * bill, and that sum is what the outcomes cost.
 *
 * <p>Both JVMs run on a fixed clock (one rate-limit minute, one budget period), so no lease of
 * theirs runs out while they live; the settling sink's clock is an hour later.
 */
class FaultKillNineTest {

    static final Instant FROZEN = Instant.parse("2026-11-24T10:00:00Z");
    static final OrgId ORG = OrgId.of("burst-org");
    static final OrgId WARM_UP = OrgId.of("warm-up");
    static final int CALLS = 20;
    static final int LIMIT = 30;
    static final Duration LEASE = Duration.ofSeconds(2);
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(1);

    /** The prompt of call {@code i} of JVM {@code jvm}: all prompts have the same length, so the same worst case. */
    static String correlationId(String jvm, int i) {
        return String.format("kill-%s-%02d", jvm, i);
    }

    static String prompt(String jvm, int i) {
        return "burst call " + correlationId(jvm, i);
    }

    @Test
    void killingOneJvmMidBurstLeavesOneRecordPerProviderCallAndTheLedgerEqualToTheRecords() throws Exception {
        try (TestDatabase.Db db = TestDatabase.POSTGRESQL.open(); LoopbackServer server = LoopbackServer.start()) {
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
            jdbc.budgetLedger(BudgetAlertListener.NONE).setBudget(
                    Budget.hard(ORG, Budget.Scope.ORG, null, Budget.Period.MONTHLY, new BigDecimal("10")));
            Semaphore seen = new Semaphore(0);
            CountDownLatch released = new CountDownLatch(1);
            server.otherwise(req -> {
                String id = req.header("x-correlation-id");
                if (id == null || !id.startsWith("kill-")) {
                    return FaultFixtures.ok(); // warm-up
                }
                seen.release();
                String jvm = id.substring(5, 6);
                int i = Integer.parseInt(id.substring(7));
                if (i % 2 == 0) {
                    return FaultFixtures.ok();
                }
                if (jvm.equals("B") && i % 4 == 1) {
                    await(released);
                    return FaultFixtures.ok();
                }
                return FaultFixtures.stall();
            });

            Child a = new Child(db.name(), server, "A");
            Child b = new Child(db.name(), server, "B");
            try {
                a.expect("ready");
                b.expect("ready");
                a.send("go");
                b.send("go");
                Map<String, Integer> firedA = a.report("fired");
                Map<String, Integer> firedB = b.report("fired");

                // admitted calls are exactly the rate limit, and every one of them reached the provider
                assertThat(firedA.get("admitted") + firedB.get("admitted")).isEqualTo(LIMIT);
                assertThat(firedA.get("refused") + firedB.get("refused")).isEqualTo(2 * CALLS - LIMIT);
                assertThat(firedA.get("other") + firedB.get("other")).isZero();
                assertThat(seen.tryAcquire(LIMIT, 30, TimeUnit.SECONDS)).as("the provider saw every admitted call")
                        .isTrue();
                assertThat(firedA.get("stalled")).as("A has calls in flight when it is killed").isPositive();

                a.process.destroyForcibly();
                assertThat(a.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                released.countDown();
                b.send("finish");
                Map<String, Integer> doneB = b.report("done");
                assertThat(b.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(doneB.get("other")).isZero();
                assertThat(doneB.get("ok") + doneB.get("timeout")).isEqualTo(firedB.get("admitted"));

                MutableClock later = new MutableClock(FROZEN.plus(Duration.ofHours(1)));
                JdbcUsageSink survivor = AiTenancyJdbc.create(db.dataSource(), later, false)
                        .usageSink(1_000, 50, Duration.ofSeconds(5), LEASE);
                int[] settled = new int[1];
                String log = LogCapture.quietly(() -> settled[0] = survivor.settleAbandoned());
                survivor.close();
                // the dead JVM's budget lease stays counted until it expires (15 minutes), then is released
                JdbcBudgetLedger sweeper = AiTenancyJdbc.create(db.dataSource(), later, false)
                        .budgetLedger(BudgetAlertListener.NONE);
                assertThat(count(jdbc.jdbi(), "SELECT COUNT(*) FROM ai_budget_reservations")).as("A's lease")
                        .isPositive();
                sweeper.releaseExpired();
                sweeper.close();
                System.err.println("kill -9: A " + firedA + ", B " + firedB + " then " + doneB + "; settled "
                        + settled[0] + " of A's calls as abandoned");

                int okCalls = firedA.get("answered") + doneB.get("ok");
                int abandoned = firedA.get("stalled");
                int timeouts = doneB.get("timeout");
                assertThat(settled[0]).isEqualTo(abandoned);
                assertThat(log.split("as abandoned: its instance stopped", -1)).hasSize(abandoned + 1);
                assertThat(survivor.abandonedRecords()).isEqualTo(abandoned);

                Jdbi jdbi = jdbc.jdbi();
                String ofOrg = "org_id = '" + ORG.value() + "'";
                assertThat(FaultFixtures.rowsPerCorrelationId(jdbi, ofOrg)).as("one record per call")
                        .hasSize(2 * CALLS).allSatisfy((id, rows) -> assertThat(rows).as(id).isEqualTo(1));
                List<String> received = server.requests().stream().map(r -> r.header("x-correlation-id"))
                        .filter(id -> id != null && id.startsWith("kill-")).toList();
                assertThat(received).as("every admitted call reached the provider once").hasSize(LIMIT)
                        .doesNotHaveDuplicates();
                for (String id : received) {
                    assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_generations WHERE " + ofOrg
                            + " AND correlation_id = '" + id + "' AND status <> 'started' "
                            + "AND COALESCE(error_code, '-') <> 'AI_RATE_LIMITED'")).as(id).isEqualTo(1);
                }
                assertThat(FaultFixtures.outcomes(jdbi, ofOrg + " AND correlation_id LIKE 'kill-A-%'"))
                        .as("the dead JVM's calls").isEqualTo(nonZero(
                                "ok -", firedA.get("answered"),
                                "abandoned -", abandoned,
                                "error AI_RATE_LIMITED", firedA.get("refused")));
                assertThat(FaultFixtures.outcomes(jdbi, ofOrg)).isEqualTo(nonZero(
                        "ok -", okCalls,
                        "abandoned -", abandoned,
                        "error AI_PROVIDER_TIMEOUT", timeouts,
                        "error AI_RATE_LIMITED", 2 * CALLS - LIMIT));
                assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_generations WHERE status = 'started'")).isZero();
                assertThat(count(jdbi, "SELECT COUNT(*) FROM ai_budget_reservations")).isZero();
                assertThat(reserved(jdbi, ORG)).isEqualByComparingTo("0");

                BigDecimal worstCase = FaultFixtures.worstCase(prompt("A", 0));
                List<BigDecimal> abandonedBilled = jdbi.withHandle(h -> h.createQuery("SELECT billed_usd FROM "
                        + "ai_generations WHERE " + ofOrg + " AND status = 'abandoned'").mapTo(BigDecimal.class).list());
                assertThat(abandonedBilled)
                        .hasSize(abandoned).allSatisfy(v -> assertThat(v).isEqualByComparingTo(worstCase));
                BigDecimal expected = OK_COST.multiply(BigDecimal.valueOf(okCalls))
                        .add(worstCase.multiply(BigDecimal.valueOf(abandoned + timeouts)));
                assertThat(billed(jdbi, ORG)).isEqualByComparingTo(expected);
                assertThat(spent(jdbi, ORG)).as("the ledger is the records").isEqualByComparingTo(billed(jdbi, ORG));
            } finally {
                a.process.destroyForcibly();
                b.process.destroyForcibly();
                a.log.toFile().delete();
                b.log.toFile().delete();
            }
        }
    }

    static Map<String, Integer> nonZero(Object... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if ((Integer) pairs[i + 1] != 0) {
                m.put((String) pairs[i], (Integer) pairs[i + 1]);
            }
        }
        return m;
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A child JVM running {@link Worker}, talked to line by line; its log goes to a file. */
    static final class Child {
        final Process process;
        final Path log;
        final BufferedReader in;
        final OutputStream out;
        final String name;

        Child(String schema, LoopbackServer server, String name) throws IOException {
            this.name = name;
            this.log = Files.createTempFile("fault-kill-" + name, ".log");
            this.process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dsun.net.httpserver.nodelay=true",
                    "-cp", System.getProperty("java.class.path"), Worker.class.getName(), schema,
                    server.uri("/v1").toString(), name)
                    .redirectError(log.toFile())
                    .start();
            this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.out = process.getOutputStream();
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void expect(String line) throws IOException {
            assertThat(in.readLine()).as("JVM %s says %s; its log: %s", name, line, tail()).isEqualTo(line);
        }

        /** Reads a line {@code word k=v k=v ...}. */
        Map<String, Integer> report(String word) throws IOException {
            String line = in.readLine();
            assertThat(line).as("JVM %s reports %s; its log: %s", name, word, tail()).startsWith(word + " ");
            Map<String, Integer> m = new LinkedHashMap<>();
            for (String part : line.substring(word.length() + 1).split(" ")) {
                String[] kv = part.split("=");
                m.put(kv[0], Integer.parseInt(kv[1]));
            }
            return m;
        }

        String tail() {
            try {
                String s = Files.readString(log);
                return s.length() > 4_000 ? s.substring(s.length() - 4_000) : s;
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }

    /**
     * A child JVM: warms up, waits for "go", fires its calls, waits for the ones answered at once
     * and their records, prints {@code fired admitted=.. refused=.. answered=.. stalled=.. other=..};
     * then (if it is not killed) waits for "finish", waits for every call, closes its sink and
     * prints {@code done ok=.. timeout=.. other=..}.
     */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            String schema = args[0];
            String jvm = args[2];
            org.postgresql.ds.PGSimpleDataSource pg = new org.postgresql.ds.PGSimpleDataSource();
            pg.setURL(System.getenv("AI_TENANCY_TEST_PG_URL"));
            pg.setUser(System.getenv("AI_TENANCY_TEST_PG_USER"));
            pg.setPassword(System.getenv("AI_TENANCY_TEST_PG_PASSWORD"));
            pg.setCurrentSchema(schema);
            HikariDataSource ds = FaultFixtures.pool(pg, 8, Duration.ofSeconds(10));
            Clock clock = Clock.fixed(FROZEN, ZoneOffset.UTC);
            AiTenancyJdbc jdbc = AiTenancyJdbc.create(ds, clock, false);
            JdbcUsageSink sink = jdbc.usageSink(10_000, 50, Duration.ofSeconds(5), LEASE);
            JdbcBudgetLedger ledger = jdbc.budgetLedger(BudgetAlertListener.NONE);
            LLMJob job = FaultFixtures.job(java.net.URI.create(args[1]), Duration.ofSeconds(60), ORG, WARM_UP)
                    .rateLimiter(jdbc.rateLimiter(new RateLimitPolicy(0, 0, LIMIT)))
                    .budgetLedger(ledger).usageSink(sink).clock(clock).build();
            for (int i = 0; i < 5; i++) {
                job.run(JobRequest.builder(WARM_UP, "warm up").build());
            }
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.println("ready");
            System.out.flush();
            stdin.readLine();

            List<CompletableFuture<JobResult>> calls = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                calls.add(null);
            }
            Concurrently.run(4, t -> {
                for (int i = t; i < CALLS; i += 4) {
                    JobRequest.Builder r = JobRequest.builder(ORG, prompt(jvm, i)).correlationId(correlationId(jvm, i));
                    if (jvm.equals("B") && i % 4 == 3) {
                        r.timeout(STALL_TIMEOUT);
                    }
                    CompletableFuture<JobResult> f = job.runAsync(r.build());
                    synchronized (calls) {
                        calls.set(i, f);
                    }
                }
            });
            int admitted = 0;
            int refused = 0;
            int other = 0;
            int answered = 0;
            int stalled = 0;
            for (int i = 0; i < CALLS; i++) {
                CompletableFuture<JobResult> f = calls.get(i);
                Throwable failure = f.isCompletedExceptionally() ? FaultFixtures.failure(f) : null;
                // a stalled call given a timeout may already have timed out by now: it was admitted
                boolean timedOut = failure instanceof dev.aitenancy.ProviderException pe
                        && pe.code() == ErrorCode.AI_PROVIDER_TIMEOUT;
                if (failure instanceof RateLimitedException e && e.code() == ErrorCode.AI_RATE_LIMITED) {
                    refused++;
                } else if (failure != null && !timedOut) {
                    other++;
                } else {
                    admitted++;
                    if (i % 2 == 0) {
                        f.get(30, TimeUnit.SECONDS);
                        answered++;
                    } else {
                        stalled++;
                    }
                }
            }
            if (!sink.flush(Duration.ofSeconds(30))) {
                throw new IllegalStateException("records not written");
            }
            System.out.println("fired admitted=" + admitted + " refused=" + refused + " answered=" + answered
                    + " stalled=" + stalled + " other=" + other);
            System.out.flush();

            stdin.readLine(); // "finish" (JVM A is killed while it waits here)
            int ok = 0;
            int timeout = 0;
            other = 0;
            for (CompletableFuture<JobResult> f : calls) {
                String ending = FaultFixtures.endings(List.of(f), Duration.ofSeconds(30)).keySet().iterator().next();
                switch (ending) {
                    case "ok" -> ok++;
                    case "AI_PROVIDER_TIMEOUT" -> timeout++;
                    case "AI_RATE_LIMITED" -> { }
                    default -> other++;
                }
            }
            sink.close();
            ledger.close();
            ds.close();
            System.out.println("done ok=" + ok + " timeout=" + timeout + " other=" + other);
            System.out.flush();
        }
    }
}
