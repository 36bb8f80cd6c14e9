package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of finding an org's key on the hot path: a read and decryption from the database
 * ({@code uncached}) against a hit in {@link CachingKeyStore} ({@code cached}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KeyLookupBenchmark {

    static final int ORGS = 1_000;

    /** {@code h2} (embedded, in memory) or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"h2"})
    public String database;

    private Databases.Opened db;
    private KeyStore uncached;
    private KeyStore cached;
    private int next;

    @Setup
    public void setUp() {
        db = Databases.open(database);
        AiTenancyJdbc jdbc = AiTenancyJdbc.create(db.dataSource());
        uncached = jdbc.keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key()));
        cached = new CachingKeyStore(uncached, CachingKeyStore.DEFAULT_TTL, Clock.systemUTC(), read -> { });
        for (int i = 0; i < ORGS; i++) {
            uncached.put(OrgId.of("org-" + i), ProviderId.OPENAI, ApiKey.of("sk-proj-bench-" + i + "-0000000000000"));
        }
        for (int i = 0; i < ORGS; i++) {
            cached.get(OrgId.of("org-" + i), ProviderId.OPENAI);
        }
    }

    @TearDown
    public void tearDown() {
        db.close();
    }

    private OrgId nextOrg() {
        next = (next + 1) % ORGS;
        return OrgId.of("org-" + next);
    }

    @Benchmark
    public Object uncached() {
        return uncached.get(nextOrg(), ProviderId.OPENAI).orElseThrow();
    }

    @Benchmark
    public Object cached() {
        return cached.get(nextOrg(), ProviderId.OPENAI).orElseThrow();
    }
}
