package dev.aitenancy.spring;

import dev.aitenancy.CallObserver;
import dev.aitenancy.metrics.MicrometerCallObserver;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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
