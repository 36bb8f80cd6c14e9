package dev.aitenancy.jdbc;

import dev.aitenancy.contract.KeyStoreContract;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.jdbc.testing.OpenDatabases;
import dev.aitenancy.jdbc.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link KeyStoreContract} on H2 and on PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcKeyStoreContractTest extends KeyStoreContract {

    @Parameter
    TestDatabase database;

    private final OpenDatabases databases = new OpenDatabases();

    @Override
    protected KeyStore newStore() {
        return AiTenancyJdbc.create(databases.open(database)).keyStore(SecretCipher.fromConfig(SecretCipher.generateBase64Key()));
    }

    @AfterEach
    void drop() {
        databases.closeAll();
    }
}
