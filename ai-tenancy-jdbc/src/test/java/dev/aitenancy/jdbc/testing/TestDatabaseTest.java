package dev.aitenancy.jdbc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Proves the test databases are real, isolated and safe for concurrency tests. */
class TestDatabaseTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void eachTestGetsARealIsolatedDatabase(TestDatabase kind) throws Exception {
        try (TestDatabase.Db a = kind.open(); TestDatabase.Db b = kind.open()) {
            Jdbi ja = Jdbi.create(a.dataSource());
            Jdbi jb = Jdbi.create(b.dataSource());

            ja.useHandle(h -> h.execute("CREATE TABLE probe (id INT PRIMARY KEY, label VARCHAR(20))"));
            ja.useHandle(h -> h.execute("INSERT INTO probe VALUES (1, 'one')"));

            String label = ja.withHandle(h -> h.createQuery("SELECT label FROM probe").mapTo(String.class).one());
            Integer visibleToB = jb.withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) = 'probe' "
                            + "AND LOWER(table_schema) = LOWER(CURRENT_SCHEMA)").mapTo(Integer.class).one());
            assertThat(label).isEqualTo("one");
            assertThat(visibleToB).as("another test's database does not see the table").isZero();
            String product = ja.withHandle(h -> h.getConnection().getMetaData().getDatabaseProductName());
            assertThat(product).isEqualTo(kind == TestDatabase.H2 ? "H2" : "PostgreSQL");
            if (kind == TestDatabase.POSTGRESQL) {
                int major = ja.withHandle(h -> h.getConnection().getMetaData().getDatabaseMajorVersion());
                assertThat(major).isGreaterThanOrEqualTo(15);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void concurrentIncrementsOfOneRowAreExact(TestDatabase kind) throws Exception {
        try (TestDatabase.Db db = kind.open()) {
            Jdbi jdbi = Jdbi.create(db.dataSource());
            jdbi.useHandle(h -> h.execute("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)"));
            jdbi.useHandle(h -> h.execute("INSERT INTO counter VALUES (1, 0)"));
            int threads = 20;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            try {
                for (int i = 0; i < threads; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return jdbi.inTransaction(h -> {
                            h.execute("UPDATE counter SET n = n + 1 WHERE id = 1");
                            return h.createQuery("SELECT n FROM counter WHERE id = 1").mapTo(Integer.class).one();
                        });
                    }));
                }
                start.countDown();
                List<Integer> seen = new ArrayList<>();
                for (Future<Integer> f : results) {
                    seen.add(f.get(60, TimeUnit.SECONDS));
                }
                assertThat(seen).as("every increment saw its own value").doesNotHaveDuplicates();
            } finally {
                pool.shutdownNow();
            }

            Integer total = jdbi.withHandle(h -> h.createQuery("SELECT n FROM counter").mapTo(Integer.class).one());
            assertThat(total).isEqualTo(threads);
        }
    }
}
