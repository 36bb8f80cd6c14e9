package dev.aitenancy.spring;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.junit.jupiter.web.SpringJUnitWebConfig;

/**
 * A test of the endpoints in a Spring web context made of {@link #value()} (a {@link TestApp}),
 * with the admin endpoints enabled under {@code /ai}. A test may add properties with a
 * {@code @TestPropertySource} of its own.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringJUnitWebConfig
@TestPropertySource(properties = {"ai-tenancy.admin.enabled=true", "ai-tenancy.admin.base-path=/ai"})
@interface EndpointTest {

    /** The test's application, a {@link TestApp}. */
    @AliasFor(annotation = SpringJUnitWebConfig.class, attribute = "classes")
    Class<?>[] value();
}
