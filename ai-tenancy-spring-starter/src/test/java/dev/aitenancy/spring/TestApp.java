package dev.aitenancy.spring;

import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.keys.KeyStore;
import dev.aitenancy.models.ModelAdmin;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderClient;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.provider.RetryPolicy;
import dev.aitenancy.provider.openai.OpenAiClient;
import dev.aitenancy.tenant.OrgId;
import dev.aitenancy.testing.LoopbackServer;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * The host application the endpoint tests run in: Spring MVC, Spring Security that only
 * authenticates (the library authorizes by itself), the starter's auto-configuration, OpenAI's
 * wire format on a loopback server as the one provider, a test clock and a fixed set of orgs.
 *
 * <p>Each test class extends it as a {@code Config} of its own, naming its clock, server and orgs,
 * so that each keeps a Spring context, and so stores, of its own. Also what sets up an org, and what
 * the context-runner tests start the starter with.
 */
@EnableWebMvc
@EnableWebSecurity
@ImportAutoConfiguration({AiTenancyAutoConfiguration.class, AiTenancyAdminAutoConfiguration.class})
abstract class TestApp {

    /** The model every org the tests set up calls by default. */
    static final ModelRef MINI = ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini");
    /** The starter's auto-configurations, for context runners. */
    static final AutoConfigurations STARTER = AutoConfigurations.of(AiTenancyAutoConfiguration.class,
            AiTenancyAdminAutoConfiguration.class);

    private final Clock clock;
    private final LoopbackServer provider;
    private final Set<String> orgs;

    TestApp(Clock clock, LoopbackServer provider, String... orgs) {
        this.clock = clock;
        this.provider = provider;
        this.orgs = Set.of(orgs);
    }

    @Bean
    Clock clock() {
        return clock;
    }

    @Bean
    ProviderClient openAi() {
        return new OpenAiClient(OpenAiClient.defaultSettings().baseUri(provider.uri("/v1"))
                .retryPolicy(RetryPolicy.NONE).build());
    }

    @Bean
    OrgDirectory orgs() {
        return org -> orgs.contains(org.value());
    }

    /** The library authorizes by itself: Spring Security only authenticates here. */
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
        return http.build();
    }

    /**
     * Makes {@link #MINI} the default model of {@code org} and OpenAI its default provider, and
     * {@code key}, unless null, its OpenAI key, checked at {@code checked}.
     */
    static void setUpOrg(ModelAdmin models, KeyStore keys, String org, String key, Instant checked) {
        OrgId id = OrgId.of(org);
        models.allow(id, MINI, 1000).setDefault(id, MINI).setDefaultProvider(id, ProviderId.OPENAI);
        if (key != null) {
            storeCheckedKey(keys, org, key, checked);
        }
    }

    /** Stores {@code key} as the OpenAI key of {@code org}, checked at {@code checked}. */
    static void storeCheckedKey(KeyStore keys, String org, String key, Instant checked) {
        keys.put(OrgId.of(org), ProviderId.OPENAI, ApiKey.of(key), "setup");
        keys.markVerified(OrgId.of(org), ProviderId.OPENAI, checked);
    }

    /** A class loader on which Spring Security is missing, for context runners. */
    static FilteredClassLoader withoutSpringSecurity() {
        return new FilteredClassLoader(SecurityContextHolder.class, CsrfFilter.class);
    }
}
