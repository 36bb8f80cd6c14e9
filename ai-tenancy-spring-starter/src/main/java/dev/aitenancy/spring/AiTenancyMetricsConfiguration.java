package dev.aitenancy.spring;

import dev.aitenancy.CallObserver;
import dev.aitenancy.LLMJob;
import dev.aitenancy.features.FeatureFlagStore;
import dev.aitenancy.jdbc.AiTenancyJdbc;
import dev.aitenancy.jdbc.JdbcModelCatalog;
import dev.aitenancy.jdbc.JdbcRateLimiter;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.keys.CachingKeyStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.keys.SecretCipher;
import dev.aitenancy.limits.BudgetAlertListener;
import dev.aitenancy.limits.BudgetLedger;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.memory.InMemoryAuditSink;
import dev.aitenancy.memory.InMemoryBudgetLedger;
import dev.aitenancy.memory.InMemoryFeatureFlags;
import dev.aitenancy.memory.InMemoryKeyStore;
import dev.aitenancy.memory.InMemoryModelCatalog;
import dev.aitenancy.memory.InMemoryRateLimiter;
import dev.aitenancy.memory.InMemoryTemplateStore;
import dev.aitenancy.memory.InMemoryUsageSink;
import dev.aitenancy.metrics.MicrometerCallObserver;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.ModelRegistry;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.template.TemplateStore;
import dev.aitenancy.usage.AuditEvent;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Micrometer metrics of every call, when the application has a meter registry. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MeterRegistry.class)
class AiTenancyMetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean(CallObserver.class)
    @ConditionalOnBean(MeterRegistry.class)
    MicrometerCallObserver aiTenancyCallObserver(MeterRegistry registry) {
        return new MicrometerCallObserver(registry);
    }
}
