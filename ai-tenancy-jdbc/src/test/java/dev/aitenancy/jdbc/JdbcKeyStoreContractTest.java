package dev.aitenancy.jdbc;

import dev.aitenancy.contract.KeyStoreContract;
import dev.aitenancy.jdbc.testing.TestDatabase;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The {@link KeyStoreContract} on H2 and on PostgreSQL. */
class JdbcKeyStoreContractTest {

    abstract static class OnDatabase extends KeyStoreContract {
        private final List<TestDatabase.Db> opened = new ArrayList<>();

        abstract TestDatabase kind();

        @Override
        protected KeyStore newStore() {
            TestDatabase.Db db = kind().open();
            opened.add(db);
            return AiTenancyJdbc.create(db.dataSource()).keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key()));
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
