package dev.aitenancy.jdbc;

import dev.aitenancy.contract.TemplateStoreContract;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.template.TemplateStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The {@link TemplateStoreContract} on H2 and on PostgreSQL. */
class JdbcTemplateStoreContractTest {

    abstract static class OnDatabase extends TemplateStoreContract {
        private final List<TestDatabase.Db> opened = new ArrayList<>();

        abstract TestDatabase kind();

        @Override
        protected TemplateStore newStore() {
            TestDatabase.Db db = kind().open();
            opened.add(db);
            return AiTenancyJdbc.create(db.dataSource()).templateStore();
        }

        @AfterEach
        void drop() {
            opened.forEach(TestDatabase.Db::close);
        }
    }

    @Nested
    class OnH2 extends OnDatabase {
        @Override
        TestDatabase kind() {
            return TestDatabase.H2;
        }
    }

    @Nested
    class OnPostgreSql extends OnDatabase {
        @Override
        TestDatabase kind() {
            return TestDatabase.POSTGRESQL;
        }
    }
}
