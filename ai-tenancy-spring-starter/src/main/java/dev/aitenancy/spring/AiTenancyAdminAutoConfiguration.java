package dev.aitenancy.spring;

import dev.aitenancy.LLMJob;
import dev.aitenancy.admin.OrgAdmin;
import dev.aitenancy.conversations.ConversationStore;
import dev.aitenancy.guardrails.GuardrailStore;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.keys.ProviderKeyAdmin;
import dev.aitenancy.limits.RateLimiter;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelCatalog;
import dev.aitenancy.models.TierPlan;
import dev.aitenancy.preferences.PreferenceStore;
import dev.aitenancy.spring.internal.AdminSupport;
import dev.aitenancy.spring.internal.ConsoleAssets;
import dev.aitenancy.spring.internal.ConversationEndpoints;
import dev.aitenancy.spring.internal.EmbeddingsEndpoint;
import dev.aitenancy.spring.internal.GenerateEndpoint;
import dev.aitenancy.spring.internal.GlobalGuardrailEndpoints;
import dev.aitenancy.spring.internal.GovernanceEndpoints;
import dev.aitenancy.spring.internal.GuardrailEndpoints;
import dev.aitenancy.spring.internal.MeEndpoint;
import dev.aitenancy.spring.internal.ModelEndpoints;
import dev.aitenancy.spring.internal.OriginCheck;
import dev.aitenancy.spring.internal.PreferenceEndpoints;
import dev.aitenancy.spring.internal.ProviderEndpoints;
import dev.aitenancy.spring.internal.RequestBodyLimit;
import dev.aitenancy.spring.internal.UsageEndpoints;
import dev.aitenancy.usage.AuditSink;
import dev.aitenancy.usage.UsageLog;
import dev.aitenancy.usage.UsageSummaries;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The admin and generate endpoints under {@code ai-tenancy.admin.base-path} (default
 * {@code /ai-tenancy}), mounted only with {@code ai-tenancy.admin.enabled=true} in a servlet
 * application. Who may do what is decided by the {@link AdminAuthorizer} bean; which orgs exist by
 * the {@link OrgDirectory} bean. With {@code ai-tenancy.admin.console.enabled=true} also the admin
 * console's pages under {@code {base-path}/console/}.
 */
@AutoConfiguration(after = AiTenancyAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnProperty(prefix = "ai-tenancy.admin", name = "enabled", havingValue = "true")
@ConditionalOnBean(LLMJob.class)
public class AiTenancyAdminAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public OrgDirectory aiTenancyOrgDirectory() {
        return OrgDirectory.any();
    }

    @Bean
    @ConditionalOnMissingBean
    AdminSupport aiTenancyAdminSupport(AdminAuthorizer authorizer, OrgDirectory orgs) {
        return new AdminSupport(authorizer, orgs);
    }

    @Bean
    @ConditionalOnMissingBean
    RequestBodyLimit aiTenancyRequestBodyLimit(AiTenancyProperties properties) {
        return new RequestBodyLimit(properties.admin().maxRequestBody().toBytes());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ConversationStore.class)
    ConversationEndpoints aiTenancyConversationEndpoints(AdminSupport support, ConversationStore conversations) {
        return new ConversationEndpoints(support, conversations);
    }

    @Bean
    @ConditionalOnMissingBean
    MeEndpoint aiTenancyMeEndpoint(AdminSupport support) {
        return new MeEndpoint(support);
    }

    /** The admin console's pages, with {@code ai-tenancy.admin.console.enabled=true}. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "ai-tenancy.admin.console", name = "enabled", havingValue = "true")
    ConsoleAssets aiTenancyConsoleAssets(AiTenancyProperties properties) {
        return new ConsoleAssets(properties.admin().basePath());
    }

    @Bean
    @ConditionalOnMissingBean
    GenerateEndpoint aiTenancyGenerateEndpoint(AdminSupport support, LLMJob job, AiTenancyProperties properties) {
        return new GenerateEndpoint(support, job, properties.http().requestTimeout());
    }

    @Bean
    @ConditionalOnMissingBean
    EmbeddingsEndpoint aiTenancyEmbeddingsEndpoint(AdminSupport support, LLMJob job) {
        return new EmbeddingsEndpoint(support, job);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean({ProviderKeyAdmin.class, ModelAdmin.class})
    ProviderEndpoints aiTenancyProviderEndpoints(AdminSupport support, ProviderKeyAdmin keys) {
        return new ProviderEndpoints(support, keys);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ModelAdmin.class)
    ModelEndpoints aiTenancyModelEndpoints(AdminSupport support, OrgAdmin admin) {
        return new ModelEndpoints(support, admin);
    }

    /** Mounted when the usage sink can also be read (a {@link UsageLog}), as the built-in ones can. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(UsageLog.class)
    UsageEndpoints aiTenancyUsageEndpoints(AdminSupport support, UsageLog usage,
            ObjectProvider<UsageSummaries> summaries, OrgAdmin admin, AiTenancyProperties properties,
            ObjectProvider<Clock> clock) {
        return new UsageEndpoints(support, usage, summaries.getIfUnique(() -> usage instanceof UsageSummaries s ? s : null),
                admin, properties.usage().retention(), clock.getIfUnique(Clock::systemUTC));
    }

    @Bean
    @ConditionalOnMissingBean
    GovernanceEndpoints aiTenancyGovernanceEndpoints(AdminSupport support, OrgAdmin admin, TierPlan plan) {
        return new GovernanceEndpoints(support, admin, plan);
    }

    @Bean
    @ConditionalOnMissingBean
    GuardrailEndpoints aiTenancyGuardrailEndpoints(AdminSupport support, OrgAdmin admin) {
        return new GuardrailEndpoints(support, admin);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(GuardrailStore.class)
    GlobalGuardrailEndpoints aiTenancyGlobalGuardrailEndpoints(AdminSupport support, AdminAuthorizer authorizer,
            GuardrailStore guardrails) {
        return new GlobalGuardrailEndpoints(support, authorizer, guardrails);
    }

    /** Mounted when the preferences can be changed (a {@link PreferenceStore}), as the built-in stores can. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(PreferenceStore.class)
    PreferenceEndpoints aiTenancyPreferenceEndpoints(AdminSupport support, PreferenceStore preferences,
            OrgAdmin admin, ModelCatalog catalog) {
        return new PreferenceEndpoints(support, preferences, admin, catalog);
    }

    /** With Spring Security: its {@code Authentication} decides, and its CSRF protection applies. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
    static class WithSpringSecurity {

        @Bean
        @ConditionalOnMissingBean
        AdminAuthorizer aiTenancyAdminAuthorizer() {
            return new SpringSecurityAdminAuthorizer();
        }
    }

    /**
     * Without Spring Security: the callers of {@code ai-tenancy.admin.users} by their bearer tokens,
     * else nobody, unless the application says otherwise.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("org.springframework.security.core.context.SecurityContextHolder")
    static class WithoutSpringSecurity {

        @Bean
        @ConditionalOnMissingBean
        AdminAuthorizer aiTenancyAdminAuthorizer(AiTenancyProperties properties) {
            return properties.admin().users().isEmpty() ? AdminAuthorizer.denyAll()
                    : new TokenAdminAuthorizer(properties.admin().users());
        }
    }

    /** Without Spring Security's CSRF protection: state-changing requests must come from an allowed origin. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("org.springframework.security.web.csrf.CsrfFilter")
    static class OriginCheckConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "aiTenancyOriginCheck")
        WebMvcConfigurer aiTenancyOriginCheck(AdminSupport support, AiTenancyProperties properties) {
            String base = properties.admin().basePath();
            String pattern = (base.endsWith("/") ? base : base + "/") + "**";
            OriginCheck check = new OriginCheck(support, properties.admin().allowedOrigins());
            return new WebMvcConfigurer() {
                @Override
                public void addInterceptors(InterceptorRegistry registry) {
                    registry.addInterceptor(check).addPathPatterns(pattern);
                }
            };
        }
    }
}
