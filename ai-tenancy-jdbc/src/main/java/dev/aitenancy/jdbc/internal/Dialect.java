package dev.aitenancy.jdbc.internal;

import dev.aitenancy.ConfigurationException;
import dev.aitenancy.ErrorCode;

/** The databases ai-tenancy runs on, and where their migrations live. */
public enum Dialect {
    H2("h2"),
    POSTGRESQL("postgresql");

    private final String folder;

    Dialect(String folder) {
        this.folder = folder;
    }

    public String folder() {
        return folder;
    }

    /** The dialect of a JDBC product name, e.g. {@code H2} or {@code PostgreSQL}. */
    public static Dialect of(String productName) {
        if ("H2".equalsIgnoreCase(productName)) {
            return H2;
        }
        if ("PostgreSQL".equalsIgnoreCase(productName)) {
            return POSTGRESQL;
        }
        throw new ConfigurationException(ErrorCode.AI_CONFIG_INVALID, null,
                "ai-tenancy-jdbc supports H2 and PostgreSQL, not " + productName);
    }
}
