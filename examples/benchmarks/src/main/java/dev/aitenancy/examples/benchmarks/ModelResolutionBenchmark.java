package dev.aitenancy.examples.benchmarks;

import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.ModelRequest;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.Caller;
import dev.aitenancy.tenant.OrgId;
import java.time.Clock;
import java.util.List;
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
 * The cost of resolving an org's model (allowlist, default, feature preference, caps, fallbacks)
 * in memory and in a database.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ModelResolutionBenchmark {

    static final int ORGS = 1_000;
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    static final ModelRef NANO = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-nano");
    static final ModelRef HAIKU = ModelRef.of(ProviderId.ANTHROPIC, "claude-haiku-4-5");

    /** {@code memory}, {@code h2} or {@code postgresql} (needs AI_TENANCY_TEST_PG_URL). */
    @Param({"memory", "h2"})
    public String store;

    private Databases.Opened db;
    private ModelCatalog catalog;
    private int next;

    @Setup
    public void setUp() {
        ModelAdmin admin;
        if (store.equals("memory")) {
            InMemoryModelCatalog c = new InMemoryModelCatalog(ModelRegistry.builtIn());
            catalog = c;
            admin = c;
        } else {
            db = Databases.open(store);
            var c = AiTenancyJdbc.create(db.dataSource(), Clock.systemUTC(), true).modelCatalog(ModelRegistry.builtIn());
            catalog = c;
            admin = c;
        }
        for (int i = 0; i < ORGS; i++) {
            OrgId org = OrgId.of("org-" + i);
            admin.allow(org, MINI, 2_000).allow(org, NANO).allow(org, HAIKU).setDefault(org, MINI)
                    .setDefault(org, HAIKU).setDefaultProvider(org, ProviderId.OPENAI)
                    .setFeaturePreference(org, "summaries", NANO, 500).setFallbacks(org, List.of(HAIKU));
        }
    }

    @TearDown
    public void tearDown() {
        if (db != null) {
            db.close();
        }
    }

    @Benchmark
    public Object resolveDefault() {
        next = (next + 1) % ORGS;
        return catalog.resolve(OrgId.of("org-" + next), Caller.ANONYMOUS, new ModelRequest(null, null, null, null));
    }

    @Benchmark
    public Object resolveFeature() {
        next = (next + 1) % ORGS;
        return catalog.resolve(OrgId.of("org-" + next), Caller.ANONYMOUS,
                new ModelRequest("summaries", null, null, 800));
    }
}
