package dev.aitenancy.spring;

import dev.aitenancy.CallObserver;
import dev.aitenancy.CallTracing;
import dev.aitenancy.jdbc.JdbcUsageSink;
import dev.aitenancy.metrics.MicrometerCallObserver;
import dev.aitenancy.metrics.ObservationCallTracing;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Micrometer metrics of every call, and of the usage sink's faults, when the application has a meter registry. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MeterRegistry.class)
class AiTenancyMetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean(CallObserver.class)
    @ConditionalOnBean(MeterRegistry.class)
    MicrometerCallObserver aiTenancyCallObserver(MeterRegistry registry) {
        return new MicrometerCallObserver(registry);
    }

    /**
     * Each call and provider attempt as a Micrometer {@code Observation} (spans, with Micrometer
     * Tracing), when the application has an observation registry (Spring Boot Actuator makes one).
     */
    @Bean
    @ConditionalOnMissingBean(CallTracing.class)
    @ConditionalOnBean(ObservationRegistry.class)
    @ConditionalOnClass(ObservationRegistry.class)
    ObservationCallTracing aiTenancyCallTracing(ObservationRegistry registry) {
        return new ObservationCallTracing(registry);
    }

    /**
     * Counters of the JDBC usage sink: records written, set aside because the database refused
     * them, dropped, and calls of dead instances settled as abandoned.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcUsageSink.class)
    static class UsageSinkMetrics {

        /** Marks that the counters are registered (the sink is read through them). */
        record Registered(boolean any) {
        }

        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        Registered aiTenancyUsageSinkMetrics(MeterRegistry registry, ObjectProvider<JdbcUsageSink> sinks) {
            JdbcUsageSink sink = sinks.getIfAvailable();
            if (sink == null) {
                return new Registered(false);
            }
            FunctionCounter.builder("ai_tenancy.usage.records.written", sink, JdbcUsageSink::writtenRecords)
                    .description("usage records written to the database").register(registry);
            FunctionCounter.builder("ai_tenancy.usage.records.rejected", sink, JdbcUsageSink::rejectedRecords)
                    .description("usage records the database refused, set aside in ai_usage_rejected")
                    .register(registry);
            FunctionCounter.builder("ai_tenancy.usage.records.dropped", sink, JdbcUsageSink::droppedRecords)
                    .description("usage records lost because the queue was full and a direct write failed")
                    .register(registry);
            FunctionCounter.builder("ai_tenancy.usage.records.abandoned", sink, JdbcUsageSink::abandonedRecords)
                    .description("started calls of dead instances settled as abandoned by this instance")
                    .register(registry);
            return new Registered(true);
        }
    }
}
