package dev.aitenancy.spring.internal;

import dev.aitenancy.guardrails.Guardrails;
import dev.aitenancy.keys.ProviderKeys;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageSink;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Says once at startup, at INFO, what the starter set up: which store serves each part (and the
 * database, when they are JDBC) and whether the admin and generate endpoints are mounted, where.
 * Names classes and paths only, never configuration values.
 */
public final class StartupReport implements SmartInitializingSingleton {

    private static final Logger LOG = LoggerFactory.getLogger("dev.aitenancy.spring");

    /** The parts to name, in the order they are named, by the call-path type each is found by. */
    private static final Map<String, Class<?>> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("keys", ProviderKeys.class);
        PARTS.put("models", ModelCatalog.class);
        PARTS.put("rate limits", RateLimiter.class);
        PARTS.put("budgets", BudgetLedger.class);
        PARTS.put("guardrails", Guardrails.class);
        PARTS.put("usage", UsageSink.class);
        PARTS.put("audit", AuditSink.class);
    }

    private final ListableBeanFactory beans;
    private final boolean adminEnabled;
    private final String basePath;

    public StartupReport(ListableBeanFactory beans, boolean adminEnabled, String basePath) {
        this.beans = beans;
        this.adminEnabled = adminEnabled;
        this.basePath = basePath;
    }

    @Override
    public void afterSingletonsInstantiated() {
        LOG.info("ai-tenancy: {}; {}", stores(), endpoints());
    }

    /** What serves each part: "stores on JDBC (PostgreSQL 15.18): keys CachingKeyStore, ...". */
    String stores() {
        List<String> named = new ArrayList<>();
        boolean jdbc = false;
        boolean memory = false;
        for (Map.Entry<String, Class<?>> part : PARTS.entrySet()) {
            Object bean = bean(part.getValue());
            if (bean == null) {
                continue;
            }
            String type = bean.getClass().getName();
            jdbc |= type.startsWith("dev.aitenancy.jdbc.");
            memory |= type.startsWith("dev.aitenancy.memory.");
            named.add(part.getKey() + " " + bean.getClass().getSimpleName());
        }
        String where = jdbc && !memory ? "stores on JDBC" + database()
                : memory && !jdbc ? "stores in memory (nothing survives a restart)"
                : "stores";
        return where + ": " + String.join(", ", named);
    }

    String endpoints() {
        if (!adminEnabled) {
            return "admin and generate endpoints off (ai-tenancy.admin.enabled=false)";
        }
        return beans.getBeanNamesForType(GenerateEndpoint.class).length > 0
                ? "admin and generate endpoints mounted under " + basePath
                : "admin endpoints enabled but not mounted (they need a servlet web application)";
    }

    private Object bean(Class<?> type) {
        String[] names = beans.getBeanNamesForType(type);
        return names.length == 1 ? beans.getBean(names[0]) : null;
    }

    /** " (PostgreSQL 15.18)", from the one data source, or "" when it cannot be asked. */
    private String database() {
        String[] names = beans.getBeanNamesForType(DataSource.class);
        if (names.length != 1) {
            return "";
        }
        try (Connection c = beans.getBean(names[0], DataSource.class).getConnection()) {
            DatabaseMetaData m = c.getMetaData();
            return " (" + m.getDatabaseProductName() + " " + m.getDatabaseProductVersion() + ")";
        } catch (SQLException | RuntimeException e) {
            return "";
        }
    }
}
